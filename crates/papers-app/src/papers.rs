//! Reading the catalogue: the feed for a window of days with paging, the
//! trending ranking with paging, one paper or several, and the recent papers
//! of a category. The web layer reads papers only through here.

use std::sync::Arc;

use jiff::ToSpan;
use jiff::civil::Date;
use papers_core::{ArxivId, Clock, DateWindow, TrendingParams, today_in_new_york};
use papers_store::{ListedPaper, ListingQuery, ListingSort, Page, Store};

use crate::{
    AppError, AppResult, Community, Fault, TrendingItem, is_known_category, rank_trending,
};

/// How far back a category's page and feed reach from the latest listing day.
const CATEGORY_DAYS: i64 = 30;

/// The order of a feed listing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FeedOrder {
    /// Most upvoted first, then by position on the day.
    Upvotes,
    /// Most recently published first.
    PublishedAt,
    /// Most recently listed first: the listing day, then the submission
    /// time (a submitter's papers across days, as Hugging Face lists them).
    Newest,
}

/// A page of the feed by upvotes and what the page shows around it
/// ([`Catalog::feed_view`]).
#[derive(Clone, Debug)]
pub struct FeedView {
    /// The latest listing day, else today in New York.
    pub latest: Date,
    /// The nearest listing days before and after the day asked (none for
    /// a week or a month).
    pub prev: Option<Date>,
    pub next: Option<Date>,
    pub page: Page<ListedPaper>,
}

/// One page of every paper in id order, and the cursor of the next page
/// (none after the last).
#[derive(Clone, Debug)]
pub struct PapersPage {
    pub items: Vec<ListedPaper>,
    pub next: Option<String>,
}

/// One page of a feed listing.
#[derive(Clone, Debug)]
pub struct FeedRequest {
    pub from: Date,
    pub to: Date,
    /// Only papers this user put on the feed (case-insensitive).
    pub submitter: Option<String>,
    pub offset: u64,
    pub limit: u64,
}

impl FeedRequest {
    /// The first `limit` papers of a window of days, from `offset`.
    pub fn window(window: DateWindow, offset: u64, limit: u64) -> Self {
        let (from, to) = window.bounds();
        FeedRequest {
            from,
            to,
            submitter: None,
            offset,
            limit,
        }
    }

    /// Every listing day there can be: a submitter's papers across days.
    pub fn all_days(submitter: Option<String>, offset: u64, limit: u64) -> Self {
        FeedRequest {
            from: jiff::civil::date(1, 1, 1),
            to: jiff::civil::date(9999, 12, 31),
            submitter,
            offset,
            limit,
        }
    }
}

impl Community {
    /// The catalogue over the community's store and clock; trending
    /// listings are ranked with `trending`.
    pub fn catalog(&self, trending: TrendingParams) -> Catalog {
        Catalog::new(self.store.clone(), self.clock.clone(), trending)
    }
}

/// Every listing of a request's window and submitter (its paging is
/// applied by the caller, after ordering).
fn whole_window(req: &FeedRequest) -> ListingQuery {
    ListingQuery {
        from: req.from,
        to: req.to,
        submitter: req.submitter.clone(),
        sort: ListingSort::Upvotes,
        offset: 0,
        limit: u64::MAX,
    }
}

/// The request's page of items already in order.
fn page_of<T>(items: Vec<T>, req: &FeedRequest, total: u64) -> Page<T> {
    let items = items
        .into_iter()
        .skip(usize::try_from(req.offset).unwrap_or(usize::MAX))
        .take(usize::try_from(req.limit).unwrap_or(usize::MAX))
        .collect();
    Page { items, total }
}

/// The catalogue's read side. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Catalog {
    store: Store,
    clock: Arc<dyn Clock>,
    trending: TrendingParams,
}

impl Catalog {
    /// Reads `store`; "today" comes from `clock`, and trending listings
    /// are ranked with `trending`.
    pub fn new(store: Store, clock: Arc<dyn Clock>, trending: TrendingParams) -> Self {
        Catalog {
            store,
            clock,
            trending,
        }
    }

    /// The store behind the catalogue (for the search service's upkeep).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The latest day with a listing, else today in New York.
    pub async fn latest_day(&self) -> AppResult<Date> {
        Ok(self
            .store
            .latest_listing_day()
            .await?
            .unwrap_or_else(|| today_in_new_york(self.clock.now())))
    }

    /// The days a trending ranking covers by default: the trending window
    /// up to the latest listing day.
    pub async fn trending_days(&self) -> AppResult<(Date, Date)> {
        let latest = self.latest_day().await?;
        let days = i64::from(self.trending.window_days.max(1)) - 1;
        Ok((latest.saturating_sub(days.days()), latest))
    }

    /// One page of the feed by upvotes with what its page shows around it:
    /// the latest listing day (else today in New York) and, for a day
    /// (`around`), the listing days either side; one store read.
    pub async fn feed_view(&self, req: FeedRequest, around: Option<Date>) -> AppResult<FeedView> {
        let q = ListingQuery {
            from: req.from,
            to: req.to,
            submitter: req.submitter,
            sort: ListingSort::Upvotes,
            offset: req.offset,
            limit: req.limit,
        };
        let v = self.store.feed_view(&q, around).await?;
        Ok(self.resolved(v))
    }

    /// [`Catalog::feed_view`] of the latest listing day (else of today in
    /// New York, empty), `limit` papers from `offset`: one store read.
    pub async fn latest_feed_view(&self, offset: u64, limit: u64) -> AppResult<FeedView> {
        let v = self.store.latest_feed_view(offset, limit).await?;
        Ok(self.resolved(v))
    }

    /// The store's feed view with its latest day known.
    fn resolved(&self, v: papers_store::FeedView) -> FeedView {
        FeedView {
            latest: v
                .latest
                .unwrap_or_else(|| today_in_new_york(self.clock.now())),
            prev: v.prev,
            next: v.next,
            page: v.page,
        }
    }

    /// One page of the feed in `order`, with the total that matched.
    pub async fn feed(&self, req: FeedRequest, order: FeedOrder) -> AppResult<Page<ListedPaper>> {
        let sort = match order {
            FeedOrder::Upvotes => ListingSort::Upvotes,
            FeedOrder::PublishedAt => ListingSort::PublishedAt,
            FeedOrder::Newest => return self.newest(req).await,
        };
        let q = ListingQuery {
            from: req.from,
            to: req.to,
            submitter: req.submitter,
            sort,
            offset: req.offset,
            limit: req.limit,
        };
        Ok(self.store.listings(&q).await?)
    }

    /// The feed newest listing first. The store orders listings by votes or
    /// by arXiv date only, so the window is read whole and ordered here:
    /// meant for one submitter's papers, not for every listing there is.
    async fn newest(&self, req: FeedRequest) -> AppResult<Page<ListedPaper>> {
        let q = whole_window(&req);
        let mut all = self.store.listings(&q).await?;
        let key = |p: &ListedPaper| {
            p.listing
                .as_ref()
                .map(|l| (l.day, l.submitted_at, std::cmp::Reverse(l.position)))
        };
        all.items.sort_by(|a, b| {
            key(b)
                .cmp(&key(a))
                .then_with(|| a.paper.id.cmp(&b.paper.id))
        });
        Ok(page_of(all.items, &req, all.total))
    }

    /// Every visible paper in a stable order (by id), `limit` at a time,
    /// after the cursor `after` (the empty string for the first page).
    pub async fn papers_page(&self, after: &str, limit: u64) -> AppResult<PapersPage> {
        let rows = self.store.papers_after(after, limit).await?;
        let next = (rows.len() as u64 == limit && limit > 0)
            .then(|| rows.last().map(|(p, _)| p.paper.id.base().to_string()))
            .flatten();
        let items = rows
            .into_iter()
            .filter(|(_, hidden)| !hidden)
            .map(|(p, _)| p)
            .collect();
        Ok(PapersPage { items, next })
    }

    /// One page of the feed ranked by the trending score (each with its
    /// breakdown), with the total that matched.
    pub async fn trending(&self, req: FeedRequest) -> AppResult<Page<TrendingItem>> {
        let q = whole_window(&req);
        let all = self.store.listings(&q).await?;
        let ranked = rank_trending(&self.trending, all.items, self.clock.now());
        Ok(page_of(ranked, &req, all.total))
    }

    /// One paper with its latest listing; `None` when unknown or hidden.
    pub async fn paper(&self, id: &ArxivId) -> AppResult<Option<ListedPaper>> {
        Ok(self.store.paper(id).await?)
    }

    /// Papers by id, in the order asked, leaving out unknown and hidden ones.
    pub async fn papers_by_ids(&self, ids: &[String]) -> AppResult<Vec<ListedPaper>> {
        Ok(self.store.papers_by_ids(ids).await?)
    }

    /// Whether `user_id` has voted for the paper.
    pub async fn voted(&self, user_id: i64, id: &ArxivId) -> AppResult<bool> {
        Ok(self.store.voted(user_id, id).await?)
    }

    /// Recent papers of an arXiv category, most upvoted first: listed or
    /// published from 30 days before the latest listing day until today.
    /// An unknown category is refused (`not_found`).
    pub async fn category(&self, cat: &str, limit: u64) -> AppResult<Vec<ListedPaper>> {
        if !is_known_category(cat) {
            return Err(AppError::refused(
                Fault::NotFound,
                "unknown_category",
                format!("{cat:?} is not an arXiv category."),
            ));
        }
        let latest = self.latest_day().await?;
        // Anchored on the feed's latest day (a site fed by an old archive
        // still shows its categories), up to today.
        let today = today_in_new_york(self.clock.now()).max(latest);
        let from = latest.saturating_sub(CATEGORY_DAYS.days());
        Ok(self
            .store
            .papers_between(from, today, &[cat.to_string()], limit)
            .await?)
    }
}
