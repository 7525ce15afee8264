//! Your data in your hands: `GET /api/me/export` (Bearer or session; the
//! settings page's download button) and the deletion of your account,
//! confirmed with the password (`DELETE /api/me`, or the settings form).

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use papers_app::{UserExport, format_timestamp};
use serde::Deserialize;

use crate::error::{ApiError, PageError};
use crate::guard::{ApiReader, ApiUser, JsonBody, SignedInForm, csrf_form};
use crate::state::AppState;
use crate::wire::{
    ClaimJson, DeletedJson, ExportCommentJson, ExportJson, ExportProfileJson,
    ExportSubscriptionJson, ExportTokenJson, ExportVoteJson, collection_json, follow_json,
    notification_json,
};

/// `GET /api/me/export`: everything about the caller as one JSON document,
/// offered as a download.
pub(super) async fn export(
    State(state): State<AppState>,
    reader: ApiReader,
) -> Result<Response, ApiError> {
    let user = reader.required()?;
    let data = state.community.export_user(&user).await?;
    let headers = [
        (
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"daily-papers-export.json\"",
        ),
        (header::CACHE_CONTROL, "private, no-store"),
    ];
    let json = export_json(data, &state.config.base_url, state.clock.now());
    Ok((headers, Json(json)).into_response())
}

fn export_json(d: UserExport, base_url: &str, now: jiff::Timestamp) -> ExportJson {
    ExportJson {
        api_tokens: d
            .api_tokens
            .into_iter()
            .map(|(id, name, created_at, revoked)| ExportTokenJson {
                created_at,
                id,
                name,
                revoked,
            })
            .collect(),
        collections: d
            .collections
            .iter()
            .enumerate()
            .map(|(n, (c, items))| {
                let items: Vec<_> = items.iter().map(|i| (i.clone(), None)).collect();
                collection_json(base_url, c, &items, Some(n))
            })
            .collect(),
        authorship_claims: d.authorship_claims.iter().map(ClaimJson::of).collect(),
        comments: d
            .comments
            .into_iter()
            .map(|c| ExportCommentJson {
                body: c.body,
                created_at: format_timestamp(c.created_at),
                deleted: c.deleted,
                edited_at: c.edited_at.map(format_timestamp),
                hidden: c.hidden,
                id: c.id,
                paper_id: c.paper_id,
                parent_id: c.parent_id,
            })
            .collect(),
        exported_at: format_timestamp(now),
        follows: d.follows.iter().map(follow_json).collect(),
        notifications: d.notifications.iter().map(notification_json).collect(),
        not_interested: d
            .not_interested
            .into_iter()
            .map(|(paper_id, created_at)| ExportVoteJson {
                created_at,
                paper_id,
            })
            .collect(),
        profile: ExportProfileJson {
            created_at: format_timestamp(d.user.created_at),
            email: d.user.email,
            id: d.user.id,
            role: d.user.role.as_str().to_string(),
            username: d.user.username,
        },
        subscriptions: d
            .subscriptions
            .into_iter()
            .map(|s| ExportSubscriptionJson {
                cadence: s.cadence.as_str().to_string(),
                categories: s.categories,
                email: s.email,
                for_you: s.for_you,
                id: s.id,
                query: s.query,
                status: s.status.as_str().to_string(),
            })
            .collect(),
        votes: d
            .votes
            .into_iter()
            .map(|(paper_id, created_at)| ExportVoteJson {
                created_at,
                paper_id,
            })
            .collect(),
    }
}

/// The password that confirms a deletion.
#[derive(Debug, Default, Deserialize)]
pub(super) struct PasswordBody {
    #[serde(default)]
    password: String,
}

/// `DELETE /api/me {"password"}`: deletes the caller's account.
pub(super) async fn delete(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    JsonBody(b): JsonBody<PasswordBody>,
) -> Result<Json<DeletedJson>, ApiError> {
    let gone = state.community.delete_account(&user, &b.password).await?;
    // Votes, comments and verified authorships changed on cached pages.
    state.cache.invalidate();
    Ok(Json(DeletedJson {
        comments_left_as_deleted: gone.comments,
        deleted: true,
        votes_taken_back: gone.votes,
    }))
}

/// The settings page's deletion form.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct DeleteForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    password: String,
}

csrf_form!(DeleteForm, |_f| "/settings".to_string());

/// `POST /settings/delete`: the same, from the settings page; the session
/// ends with the account.
pub(super) async fn delete_form(
    State(state): State<AppState>,
    SignedInForm { who, form }: SignedInForm<DeleteForm>,
) -> Result<Response, PageError> {
    state
        .community
        .delete_account(&who.user, &form.password)
        .await?;
    state.cache.invalidate();
    Ok(Redirect::to("/").into_response())
}
