//! Upvotes, paper submissions, moderation and the trending ranking.

use jiff::ToSpan;
use jiff::civil::Date;
use papers_core::{
    ArxivId, DailyListing, IngestRecord, Submitter, TrendingScore, User, today_in_new_york,
};
use papers_ingest::Event;
use papers_store::{ListedPaper, ListingQuery, ListingSort};

use crate::auth::{refusal_error, require_admin};
use crate::{AppError, AppResult, Community, Fault, paper_id};

/// A paper that was put on today's feed.
#[derive(Clone, Debug)]
pub struct Submission {
    pub paper_id: ArxivId,
    pub title: String,
    pub day: Date,
}

/// A paper given a page without a listing (`POST /api/papers/index`).
#[derive(Clone, Debug)]
pub struct Indexed {
    pub paper_id: ArxivId,
    pub title: String,
    /// False when the paper was here already (nothing was fetched).
    pub created: bool,
}

/// A paper in the trending ranking, with how its score was made.
#[derive(Clone, Debug)]
pub struct TrendingItem {
    pub paper: ListedPaper,
    pub score: TrendingScore,
}

fn looks_withdrawn(rec: &IngestRecord) -> bool {
    let p = &rec.paper;
    let comment = p.comments.as_deref().unwrap_or("").to_ascii_lowercase();
    let abs = p.abstract_text.trim_start().to_ascii_lowercase();
    comment.contains("withdrawn")
        || abs.starts_with("this paper has been withdrawn")
        || abs.starts_with("withdrawn")
        || p.title.trim().to_ascii_lowercase().starts_with("withdrawn")
}

impl Community {
    /// Casts (`up`) or takes back the user's vote; answers the new total.
    pub async fn vote(&self, user: &User, paper: &str, up: bool) -> AppResult<i64> {
        let id = paper_id(paper)?;
        self.store
            .set_vote(user.id, &id, up, self.clock.now())
            .await?
            .map_err(refusal_error)
    }

    /// "Not interested" in a paper (`on`), or takes that back: a signal for
    /// the personal feed. Answers whether the paper is now marked.
    pub async fn not_interested(&self, user: &User, paper: &str, on: bool) -> AppResult<bool> {
        let id = paper_id(paper)?;
        self.store
            .set_not_interested(user.id, &id, on, self.clock.now())
            .await?
            .map_err(refusal_error)?;
        Ok(on)
    }

    /// Puts a paper on today's feed: `raw` is an arXiv id or an abs/pdf URL.
    /// Metadata comes from the arXiv API unless the paper is known already.
    pub async fn submit(
        &self,
        user: &User,
        raw: &str,
        comment: Option<&str>,
    ) -> AppResult<Submission> {
        if user.banned {
            return Err(AppError::refused(
                Fault::Forbidden,
                "banned",
                "This account is banned.",
            ));
        }
        let id = ArxivId::parse(raw).map_err(|e| {
            AppError::refused(
                Fault::BadInput,
                "invalid_id",
                format!("{raw:?} is not an arXiv id or arXiv URL ({}).", e.reason),
            )
        })?;
        let comment = comment.map(str::trim).filter(|c| !c.is_empty());
        if comment.is_some_and(|c| c.chars().count() > 2000) {
            return Err(AppError::refused(
                Fault::BadInput,
                "invalid_comment",
                "A comment has at most 2000 characters.",
            ));
        }
        let now = self.clock.now();
        let today = today_in_new_york(now);
        let used = self.store.submissions_on(user.id, today).await?;
        let quota = self.settings.daily_submission_quota;
        if used >= quota {
            return Err(AppError::refused(
                Fault::TooMany,
                "quota_reached",
                format!("You have submitted {used} papers today; the daily quota is {quota}."),
            ));
        }
        let since = today.saturating_sub((self.settings.duplicate_window_days - 1).max(0).days());
        if let Some(day) = self.store.listed_between(&id, since, today).await? {
            return Err(AppError::Refused {
                fault: Fault::Conflict,
                code: "already_listed",
                message: format!("{} is already on the daily list of {day}.", id.base()),
                link: Some(format!("/papers/{}", id.base())),
            });
        }
        let mut record = match self.store.paper(&id).await? {
            Some(known) => IngestRecord::from(known.paper),
            None => self.fetch_for(user, &id).await?,
        };
        if looks_withdrawn(&record) {
            return Err(AppError::refused(
                Fault::BadInput,
                "withdrawn",
                format!("arXiv lists {} as withdrawn.", id.base()),
            ));
        }
        let profile = serde_json::json!({
            "_id": format!("local-user-{}", user.id),
            "name": user.username,
            "user": user.username,
            "fullname": user.username,
            "type": "user",
            "avatarUrl": null,
        });
        record.listing = Some(DailyListing {
            paper_id: record.paper.id.clone(),
            day: today,
            position: 0,
            submitted_at: Some(now),
            item_published_at: Some(now),
            submitter: Some(Submitter {
                name: user.username.clone(),
                profile,
            }),
            comment: comment.map(str::to_string),
            thumbnail: None,
            is_author_participating: Some(false),
        });
        self.store.record_submission(&record, user, now).await?;
        Ok(Submission {
            paper_id: record.paper.id.unversioned(),
            title: record.paper.title,
            day: today,
        })
    }

    /// Gives any arXiv paper a page without putting it on the daily list:
    /// `raw` is an arXiv id or an abs/pdf URL. The paper is fetched from
    /// arXiv under the submission's rules (banned users refused, the daily
    /// quota of fetches, one fetch at a time, withdrawn papers refused); a
    /// paper already here is left as it is and costs nothing.
    pub async fn index_paper(&self, user: &User, raw: &str) -> AppResult<Indexed> {
        if user.banned {
            return Err(AppError::refused(
                Fault::Forbidden,
                "banned",
                "This account is banned.",
            ));
        }
        let id = ArxivId::parse(raw.trim()).map_err(|e| {
            AppError::refused(
                Fault::BadInput,
                "invalid_id",
                format!("{raw:?} is not an arXiv id or arXiv URL ({}).", e.reason),
            )
        })?;
        if let Some(known) = self.store.paper(&id).await? {
            return Ok(Indexed {
                paper_id: known.paper.id.unversioned(),
                title: known.paper.title,
                created: false,
            });
        }
        let mut record = self.fetch_for(user, &id).await?;
        if looks_withdrawn(&record) {
            return Err(AppError::refused(
                Fault::BadInput,
                "withdrawn",
                format!("arXiv lists {} as withdrawn.", id.base()),
            ));
        }
        record.listing = None;
        self.store.upsert_batch(&[record], self.clock.now()).await?;
        // A paper the moderators hid stays hidden: the store does not show
        // it, whatever was fetched.
        match self.store.paper(&id).await? {
            Some(p) => Ok(Indexed {
                paper_id: p.paper.id.unversioned(),
                title: p.paper.title,
                created: true,
            }),
            None => Err(AppError::refused(
                Fault::Forbidden,
                "hidden",
                format!("{} was hidden by the moderators.", id.base()),
            )),
        }
    }

    /// Fetches a paper from arXiv for `user`'s submission. Every fetch,
    /// found or not, counts against the daily quota (so unknown ids cannot
    /// be tried without end), and a user has one fetch in flight at a time.
    async fn fetch_for(&self, user: &User, id: &ArxivId) -> AppResult<IngestRecord> {
        let quota = self.settings.daily_submission_quota;
        let fetches = self
            .store
            .hit_counter(
                &format!("arxiv-fetch:{}", user.id),
                self.clock.now(),
                jiff::SignedDuration::from_hours(24),
            )
            .await?;
        if fetches > quota {
            return Err(AppError::refused(
                Fault::TooMany,
                "quota_reached",
                format!(
                    "You have asked arXiv for {quota} papers in the last 24 hours; that is the daily quota."
                ),
            ));
        }
        let _slot = FetchSlot::take(&self.fetching, user.id).ok_or_else(|| {
            AppError::refused(
                Fault::TooMany,
                "fetch_in_progress",
                "Your previous submission is still being fetched from arXiv; try again when it is done.",
            )
        })?;
        self.fetch_from_arxiv(id).await
    }

    async fn fetch_from_arxiv(&self, id: &ArxivId) -> AppResult<IngestRecord> {
        let events = self
            .arxiv
            .fetch_ids(std::slice::from_ref(id))
            .await
            .map_err(|e| AppError::Upstream(e.to_string()))?;
        let mut error = None;
        for ev in events {
            match ev {
                Event::Record(r, _) if r.paper.id.base() == id.base() => return Ok(*r),
                Event::Reject(r) => error = Some(r.message),
                _ => {}
            }
        }
        Err(match error {
            Some(msg) => AppError::refused(
                Fault::BadInput,
                "arxiv_error",
                format!("arXiv refused {}: {msg}", id.base()),
            ),
            None => AppError::refused(
                Fault::NotFound,
                "unknown_id",
                format!("arXiv has no paper {}.", id.base()),
            ),
        })
    }

    /// Hides or shows a paper everywhere (admins only). Nothing is deleted.
    pub async fn hide_paper(&self, admin: &User, paper: &str, hidden: bool) -> AppResult<()> {
        require_admin(admin)?;
        let id = paper_id(paper)?;
        if self.store.set_paper_hidden(&id, hidden).await? {
            Ok(())
        } else {
            Err(AppError::refused(
                Fault::NotFound,
                "not_found",
                "No such paper.",
            ))
        }
    }

    /// Papers listed in the last `window_days` days up to the latest listing
    /// day, ranked by the trending score, each with its breakdown.
    pub async fn trending(&self, limit: usize) -> AppResult<Vec<TrendingItem>> {
        let now = self.clock.now();
        let latest = self
            .store
            .latest_listing_day()
            .await?
            .unwrap_or_else(|| today_in_new_york(now));
        let days = i64::from(self.settings.trending.window_days.max(1)) - 1;
        let q = ListingQuery {
            from: latest.saturating_sub(days.days()),
            to: latest,
            submitter: None,
            sort: ListingSort::Upvotes,
            offset: 0,
            limit: u64::MAX,
        };
        let page = self.store.listings(&q).await?;
        let mut items = rank_trending(&self.settings.trending, page.items, now);
        items.truncate(limit);
        Ok(items)
    }
}

/// Scores and orders papers by the trending formula: votes decayed by the age
/// of their listing (its submission time, else the listing day at 00:00 UTC).
pub fn rank_trending(
    params: &papers_core::TrendingParams,
    papers: Vec<ListedPaper>,
    now: jiff::Timestamp,
) -> Vec<TrendingItem> {
    let mut items: Vec<TrendingItem> = papers
        .into_iter()
        .map(|p| {
            let since = p
                .listing
                .as_ref()
                .and_then(|l| {
                    l.submitted_at.or_else(|| {
                        l.day
                            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
                            .ok()
                            .map(|z| z.timestamp())
                    })
                })
                .or(p.paper.published_at)
                .unwrap_or(now);
            let score = params.score(p.upvotes, since, now);
            TrendingItem { paper: p, score }
        })
        .collect();
    items.sort_by(|a, b| {
        b.score
            .score
            .total_cmp(&a.score.score)
            .then_with(|| a.paper.paper.id.cmp(&b.paper.paper.id))
    });
    items
}

/// A user's one arXiv fetch in flight; the slot frees when dropped.
struct FetchSlot {
    set: std::sync::Arc<std::sync::Mutex<std::collections::HashSet<i64>>>,
    user: i64,
}

impl FetchSlot {
    fn take(
        set: &std::sync::Arc<std::sync::Mutex<std::collections::HashSet<i64>>>,
        user: i64,
    ) -> Option<FetchSlot> {
        let mut users = set.lock().unwrap_or_else(|e| e.into_inner());
        users.insert(user).then(|| FetchSlot {
            set: set.clone(),
            user,
        })
    }
}

impl Drop for FetchSlot {
    fn drop(&mut self) {
        self.set
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.user);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use papers_core::{Paper, TrendingParams};

    fn listed(id: &str, votes: i64, listed_at: &str) -> ListedPaper {
        let paper = Paper::new(ArxivId::parse(id).unwrap(), id, "");
        let ts: jiff::Timestamp = listed_at.parse().unwrap();
        ListedPaper {
            listing: Some(DailyListing {
                paper_id: paper.id.clone(),
                day: ts.to_zoned_datetime(jiff::tz::TimeZone::UTC).date(),
                position: 0,
                submitted_at: Some(ts),
                item_published_at: None,
                submitter: None,
                comment: None,
                thumbnail: None,
                is_author_participating: None,
            }),
            paper,
            upvotes: votes,
            num_comments: 0,
        }
    }

    fn order(now: &str) -> Vec<String> {
        let papers = vec![
            listed("2608.00001", 100, "2026-08-18T12:00:00Z"),
            listed("2608.00002", 20, "2026-08-21T06:00:00Z"),
            listed("2608.00003", 5, "2026-08-21T11:00:00Z"),
            listed("2608.00004", 0, "2026-08-21T11:30:00Z"),
        ];
        rank_trending(&TrendingParams::default(), papers, now.parse().unwrap())
            .into_iter()
            .map(|t| t.paper.paper.id.to_string())
            .collect()
    }

    #[test]
    fn the_clock_decides_the_order() {
        // At noon on the 21st the fresh papers lead; three days later the
        // heavily voted one has decayed least in relative terms.
        assert_eq!(
            order("2026-08-21T12:00:00Z"),
            ["2608.00003", "2608.00002", "2608.00001", "2608.00004"]
        );
        assert_eq!(
            order("2026-08-24T12:00:00Z"),
            ["2608.00001", "2608.00002", "2608.00003", "2608.00004"]
        );
    }

    #[test]
    fn withdrawn_papers_are_recognised() {
        let mut p = Paper::new(
            ArxivId::parse("2608.00001").unwrap(),
            "A title",
            "An abstract.",
        );
        assert!(!looks_withdrawn(&p.clone().into()));
        p.comments = Some("This paper has been withdrawn by the author".into());
        assert!(looks_withdrawn(&p.clone().into()));
        p.comments = None;
        p.abstract_text = "This paper has been withdrawn due to an error.".into();
        assert!(looks_withdrawn(&p.into()));
    }
}
