//! Follows and notifications: a reader follows authors, arXiv categories
//! and saved searches, and picks topics (categories) and seed papers at
//! sign-up or in settings; "Following" lists what is new from them; the
//! in-app notifications tell of replies, followed authors' new papers and
//! code appearing on saved papers (the store writes them where they
//! happen). "For you" reads the same follows as signals.

use std::collections::{HashMap, HashSet};

use jiff::ToSpan;
use papers_core::{ArxivId, Follow, FollowKind, Notification, User, author_key, today_in_new_york};
use papers_store::ListedPaper;

use crate::auth::refusal_error;
use crate::{AppError, AppResult, Community, Fault, SavedSearch, bad, is_known_category};

/// Things one reader may follow (seed papers included).
pub const MAX_FOLLOWS: u32 = 200;
/// The longest saved search, in characters (as the search box allows).
const MAX_QUERY_CHARS: usize = 250;
/// Papers "Following" lists at most.
const FOLLOWING_MAX: usize = 100;
/// Saved searches "Following" runs at most (the first followed).
const SEARCHES_RUN: usize = 20;
/// Papers each saved search adds at most.
const PER_SEARCH: usize = 10;

/// A paper on "Following", with the follow that put it there.
#[derive(Clone, Debug)]
pub struct FollowedPaper {
    pub paper: ListedPaper,
    pub because: Follow,
}

/// What "Following" shows.
#[derive(Clone, Debug)]
pub struct Following {
    /// Everything followed, seed papers aside, oldest first.
    pub follows: Vec<Follow>,
    /// New papers from them, newest first.
    pub items: Vec<FollowedPaper>,
    pub days: i64,
}

/// What the store keeps for `target` of `kind`, however it was written: an
/// author's key, a category or a query with its spaces collapsed, a paper's
/// id without its version. Following, unfollowing and the pages' Follow
/// buttons all read a target through it.
pub fn follow_key(kind: FollowKind, target: &str) -> String {
    let target = target.trim();
    match kind {
        FollowKind::Author => author_key(target),
        FollowKind::Category => target.to_string(),
        FollowKind::Search => target.split_whitespace().collect::<Vec<_>>().join(" "),
        FollowKind::Paper => ArxivId::parse(target)
            .map(|id| id.base().to_string())
            .unwrap_or_else(|_| target.to_string()),
    }
}

impl Community {
    /// What `target` of `kind` is stored as, and its label: an author's key
    /// and their name as most papers write it; a known category; a
    /// query; a visible paper's id and title.
    async fn follow_target(&self, kind: FollowKind, target: &str) -> AppResult<(String, String)> {
        let target = target.trim();
        let key = follow_key(kind, target);
        match kind {
            FollowKind::Author => {
                let summary = self.store.author_summary(&key).await?.ok_or_else(|| {
                    AppError::refused(
                        Fault::NotFound,
                        "no_such_author",
                        format!("We have no papers by “{target}”."),
                    )
                })?;
                Ok((key, summary.name))
            }
            FollowKind::Category => {
                if !is_known_category(target) {
                    return Err(bad(
                        "invalid_category",
                        format!("“{target}” is not an arXiv category (such as cs.CL)."),
                    ));
                }
                Ok((key.clone(), key))
            }
            FollowKind::Search => {
                if key.is_empty() || key.chars().count() > MAX_QUERY_CHARS {
                    return Err(bad(
                        "invalid_query",
                        format!("A saved search has 1 to {MAX_QUERY_CHARS} characters."),
                    ));
                }
                Ok((key.clone(), key))
            }
            FollowKind::Paper => {
                let id = ArxivId::parse(target)
                    .map_err(|e| bad("invalid_id", format!("“{target}”: {e}")))?;
                let paper = self.store.paper(&id).await?.ok_or_else(|| {
                    AppError::refused(Fault::NotFound, "not_found", "No such paper.")
                })?;
                Ok((key, paper.paper.title))
            }
        }
    }

    /// `user` follows `target` (an author's name, a category, a query, a
    /// paper id): the follow, and whether it is new.
    pub async fn follow(
        &self,
        user: &User,
        kind: FollowKind,
        target: &str,
    ) -> AppResult<(Follow, bool)> {
        let (target, label) = self.follow_target(kind, target).await?;
        let now = self.clock.now();
        let new = self
            .store
            .follow(user.id, kind, &target, &label, MAX_FOLLOWS, now)
            .await?
            .map_err(refusal_error)?;
        let follow = Follow {
            kind,
            target,
            label,
            created_at: now,
        };
        Ok((follow, new))
    }

    /// `user` stops following: whether they did. `target` is read as
    /// [`Community::follow`] reads it (any spelling of an author's name).
    pub async fn unfollow(&self, user: &User, kind: FollowKind, target: &str) -> AppResult<bool> {
        Ok(self
            .store
            .unfollow(user.id, kind, &follow_key(kind, target))
            .await?)
    }

    pub async fn follows(&self, user: &User) -> AppResult<Vec<Follow>> {
        Ok(self.store.follows_of(user.id).await?)
    }

    /// Sets a reader's topics (followed categories) and seed papers to
    /// exactly these, as the interests form sends them; unknown
    /// categories and papers are refused before anything changes.
    pub async fn set_interests(
        &self,
        user: &User,
        categories: &[String],
        papers: &[String],
    ) -> AppResult<()> {
        let mut wanted: Vec<(FollowKind, String, String)> = Vec::new();
        for c in categories {
            let (t, l) = self.follow_target(FollowKind::Category, c).await?;
            wanted.push((FollowKind::Category, t, l));
        }
        for p in papers.iter().filter(|p| !p.trim().is_empty()) {
            let (t, l) = self.follow_target(FollowKind::Paper, p).await?;
            wanted.push((FollowKind::Paper, t, l));
        }
        let now = self.clock.now();
        let had = self.store.follows_of(user.id).await?;
        for f in &had {
            let kept = wanted
                .iter()
                .any(|(k, t, _)| *k == f.kind && *t == f.target);
            if matches!(f.kind, FollowKind::Category | FollowKind::Paper) && !kept {
                self.store.unfollow(user.id, f.kind, &f.target).await?;
            }
        }
        for (kind, target, label) in wanted {
            self.store
                .follow(user.id, kind, &target, &label, MAX_FOLLOWS, now)
                .await?
                .map_err(refusal_error)?;
        }
        Ok(())
    }

    /// "Following": papers of the last `days` listing days (up to the
    /// latest) by followed authors, in followed categories and matching
    /// saved searches, newest first, each once with the first follow that
    /// matched it (authors before categories before searches).
    pub async fn following(
        &self,
        search: Option<&dyn SavedSearch>,
        user: &User,
        days: i64,
    ) -> AppResult<Following> {
        if !(1..=365).contains(&days) {
            return Err(bad("invalid_window", "Following looks back 1 to 365 days."));
        }
        let follows: Vec<Follow> = self
            .store
            .follows_of(user.id)
            .await?
            .into_iter()
            .filter(|f| f.kind != FollowKind::Paper)
            .collect();
        let to = self
            .store
            .latest_listing_day()
            .await?
            .unwrap_or_else(|| today_in_new_york(self.clock.now()));
        let from = to.saturating_sub((days - 1).days());
        let of = |kind: FollowKind| follows.iter().filter(move |f| f.kind == kind);
        let authors: Vec<String> = of(FollowKind::Author).map(|f| f.target.clone()).collect();
        let categories: Vec<String> = of(FollowKind::Category).map(|f| f.target.clone()).collect();
        let limit = FOLLOWING_MAX as u64;
        let (by_authors, in_categories) = tokio::try_join!(
            self.store
                .papers_of_authors_between(&authors, from, to, limit),
            async {
                if categories.is_empty() {
                    Ok(Vec::new())
                } else {
                    self.store
                        .papers_between(from, to, &categories, limit)
                        .await
                }
            },
        )?;
        let mut seen: HashSet<String> = HashSet::new();
        let mut items: Vec<FollowedPaper> = Vec::new();
        let mut add = |paper: ListedPaper, because: Option<&Follow>| {
            if let Some(because) = because
                && seen.insert(paper.paper.id.base().to_string())
            {
                items.push(FollowedPaper {
                    paper,
                    because: because.clone(),
                });
            }
        };
        for (paper, key) in by_authors {
            let f = of(FollowKind::Author).find(|f| f.target == key);
            add(paper, f);
        }
        for paper in in_categories {
            let f = of(FollowKind::Category).find(|f| paper.paper.categories.contains(&f.target));
            add(paper, f);
        }
        if let Some(search) = search {
            // Every saved search's matches, then one read for all of them.
            let found: Vec<(&Follow, Vec<String>)> = of(FollowKind::Search)
                .take(SEARCHES_RUN)
                .map(|f| (f, search.find(&f.target, from, to, PER_SEARCH)))
                .collect();
            let ids: Vec<String> = found.iter().flat_map(|(_, ids)| ids.clone()).collect();
            let mut papers: HashMap<String, ListedPaper> = self
                .store
                .papers_by_ids(&ids)
                .await?
                .into_iter()
                .map(|p| (p.paper.id.base().to_string(), p))
                .collect();
            for (f, ids) in &found {
                for id in ids {
                    if let Some(paper) = papers.remove(id) {
                        add(paper, Some(f));
                    }
                }
            }
        }
        items.sort_by(|a, b| {
            paper_day(&b.paper)
                .cmp(&paper_day(&a.paper))
                .then_with(|| b.paper.paper.id.base().cmp(a.paper.paper.id.base()))
        });
        items.truncate(FOLLOWING_MAX);
        Ok(Following {
            follows,
            items,
            days,
        })
    }

    /// A reader's notifications, newest first, and how many are unread.
    pub async fn notifications(&self, user: &User, limit: u64) -> AppResult<Vec<Notification>> {
        Ok(self.store.notifications_of(user.id, limit).await?)
    }

    pub async fn unread_notifications(&self, user: &User) -> AppResult<u64> {
        Ok(self.store.unread_notifications(user.id).await?)
    }

    /// Marks a reader's notifications read, up to an id or all.
    pub async fn mark_notifications_read(&self, user: &User, up_to: Option<i64>) -> AppResult<u64> {
        Ok(self
            .store
            .mark_notifications_read(user.id, up_to, self.clock.now())
            .await?)
    }
}

/// The day a paper is new on: its latest listing, else its arXiv date.
fn paper_day(p: &ListedPaper) -> Option<jiff::civil::Date> {
    p.listing.as_ref().map(|l| l.day).or_else(|| {
        p.paper
            .published_at
            .map(|t| jiff::tz::TimeZone::UTC.to_datetime(t).date())
    })
}
