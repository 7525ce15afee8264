//! `POST /api/subscriptions` → 202; the confirmation mail goes out.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use papers_app::Wanted;
use serde::Deserialize;

use crate::error::ApiError;
use crate::guard::{IpQuota, JsonBody, Writing};
use crate::state::AppState;
use crate::wire::SubscribedJson;

/// An arXiv category, as the schema describes it.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub(super) struct Category(String);

/// The pattern of an arXiv category the store knows (papers-app's list);
/// an empty one is skipped.
const CATEGORY: &str = r"^(|cs(\.(AI|AR|CC|CE|CG|CL|CR|CV|CY|DB|DC|DL|DM|DS|ET|FL|GL|GR|GT|HC|IR|IT|LG|LO|MA|MM|MS|NA|NE|NI|OH|OS|PF|PL|RO|SC|SD|SE|SI|SY))?|(astro-ph|cond-mat|econ|eess|gr-qc|hep-ex|hep-lat|hep-ph|hep-th|math|math-ph|nlin|nucl-ex|nucl-th|physics|q-bio|q-fin|quant-ph|stat)(\.[A-Z][A-Za-z-]{1,4})?)$";

impl utoipa::PartialSchema for Category {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some(CATEGORY))
            .into()
    }
}

impl utoipa::ToSchema for Category {}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(super) struct SubscribeBody {
    /// Where the digest goes (a confirmation mail goes there first).
    #[schema(
        pattern = r"^[A-Za-z0-9%+_-]+(\.[A-Za-z0-9%+_-]+)*@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$",
        max_length = 254
    )]
    email: String,
    /// `daily` (default) or `weekly`.
    #[serde(default)]
    #[schema(pattern = "^(daily|weekly)$")]
    cadence: Option<String>,
    /// A saved search: the digest holds its new results.
    #[serde(default)]
    #[schema(pattern = r"\S", max_length = 250)]
    query: Option<String>,
    /// arXiv categories, e.g. `cs.CL` (at most 20).
    #[serde(default)]
    #[schema(max_items = 20, inline)]
    categories: Option<Vec<Category>>,
}

#[utoipa::path(
    post,
    path = "/api/subscriptions",
    tag = "mail",
    operation_id = "subscribe",
    summary = "Subscribe an address to a digest (double opt-in)",
    request_body = SubscribeBody,
    responses(
        (status = 202, description = "Pending until the mailed link is followed", body = crate::wire::SubscribedJson),
        (status = 400, description = "The body or a parameter is malformed", body = crate::wire::RefusalJson),
        (status = 429, description = "Over a rate limit or quota; see `Retry-After`", body = crate::wire::RefusalJson),
    )
)]
pub(super) async fn subscribe(
    State(state): State<AppState>,
    _: IpQuota<Writing>,
    JsonBody(b): JsonBody<SubscribeBody>,
) -> Result<(StatusCode, Json<SubscribedJson>), ApiError> {
    let r = state
        .community
        .subscribe(
            &state.mail,
            &b.email,
            b.cadence.as_deref().unwrap_or("daily"),
            Wanted {
                query: b.query.as_deref(),
                categories: &b
                    .categories
                    .unwrap_or_default()
                    .into_iter()
                    .map(|c| c.0)
                    .collect::<Vec<_>>(),
                for_you: false,
            },
            None,
        )
        .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(SubscribedJson {
            confirmation_sent: r.confirmation_sent,
            id: r.subscription.id,
            status: r.subscription.status,
        }),
    ))
}
