//! Email subscriptions and digests: double opt-in, one-click unsubscribe,
//! and the digest run that sends each subscriber the top papers of a period
//! at most once, never repeating a paper, and resumes after a crash.

use papers_core::{Cadence, SubscriptionStatus};
use std::sync::Arc;
use std::time::Duration;

use jiff::civil::{Date, Weekday};
use jiff::{SignedDuration, ToSpan};
use papers_core::{DateWindow, User};
use papers_mail::{
    Confirmation, Digest, DigestItem, MailSettings, Mailer, RetryPolicy, compose_confirmation,
    compose_digest, day_label, week_label,
};
use papers_store::{
    DigestRecord, ListedPaper, ListingQuery, ListingSort, NewSubscription, SubscribeOutcome,
    Subscription,
};

use crate::auth::{random_token, sha256_hex, valid_email};
use crate::{AppError, AppResult, Community, Fault, bad};

/// The least time between two confirmation mails to one address.
const CONFIRMATION_GAP: SignedDuration = SignedDuration::from_hours(1);

/// Papers a digest carries at most.
pub const DIGEST_SIZE: usize = 10;

/// arXiv's archives; a category is `archive` or `archive.SUBJECT`.
const ARCHIVES: &[&str] = &[
    "astro-ph", "cond-mat", "cs", "econ", "eess", "gr-qc", "hep-ex", "hep-lat", "hep-ph", "hep-th",
    "math", "math-ph", "nlin", "nucl-ex", "nucl-th", "physics", "q-bio", "q-fin", "quant-ph",
    "stat",
];

/// The computer-science subject classes, checked exactly.
const CS: &[&str] = &[
    "AI", "AR", "CC", "CE", "CG", "CL", "CR", "CV", "CY", "DB", "DC", "DL", "DM", "DS", "ET", "FL",
    "GL", "GR", "GT", "HC", "IR", "IT", "LG", "LO", "MA", "MM", "MS", "NA", "NE", "NI", "OH", "OS",
    "PF", "PL", "RO", "SC", "SD", "SE", "SI", "SY",
];

/// Whether `c` names an arXiv category (`cs.CL`, `math.AG`, `hep-th`, `astro-ph.CO`).
pub fn is_known_category(c: &str) -> bool {
    let (archive, subject) = match c.split_once('.') {
        Some((a, s)) => (a, Some(s)),
        None => (c, None),
    };
    if !ARCHIVES.contains(&archive) {
        return false;
    }
    match (archive, subject) {
        (_, None) => true,
        ("cs", Some(s)) => CS.contains(&s),
        (_, Some(s)) => {
            (2..=5).contains(&s.len())
                && s.chars().all(|ch| ch.is_ascii_alphabetic() || ch == '-')
                && s.chars().next().is_some_and(|ch| ch.is_ascii_uppercase())
        }
    }
}

/// Which period a digest covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Period {
    /// The feed of one weekday.
    Daily(Date),
    /// An ISO week (named by any day in it).
    Weekly(Date),
}

impl Period {
    pub fn cadence(&self) -> Cadence {
        match self {
            Period::Daily(_) => Cadence::Daily,
            Period::Weekly(_) => Cadence::Weekly,
        }
    }

    /// The deduplication key: `daily:2026-08-21` or `weekly:2026-W34`.
    pub fn key(&self) -> String {
        match self {
            Period::Daily(d) => format!("daily:{d}"),
            Period::Weekly(d) => format!("weekly:{}", DateWindow::week_of(*d)),
        }
    }

    pub fn bounds(&self) -> (Date, Date) {
        match self {
            Period::Daily(d) => (*d, *d),
            Period::Weekly(d) => DateWindow::week_of(*d).bounds(),
        }
    }

    fn label(&self) -> String {
        match self {
            Period::Daily(d) => day_label(*d),
            Period::Weekly(_) => week_label(self.bounds().0),
        }
    }
}

/// What a subscribe request produced.
#[derive(Clone, Debug)]
pub struct SubscribeResult {
    pub subscription: Subscription,
    /// False when the same subscription was already active (no mail sent).
    pub confirmation_sent: bool,
}

/// What one digest run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct DigestReport {
    pub due: u64,
    pub sent: u64,
    pub empty: u64,
    pub failed: u64,
    /// Transient failures left for the next run.
    pub deferred: u64,
}

/// Finds the papers a saved search matches in a date window (by id, best
/// first). The search engine implements it; without one, saved searches
/// match words in titles and abstracts.
pub trait SavedSearch: Send + Sync {
    fn find(&self, query: &str, from: Date, to: Date, limit: usize) -> Vec<String>;

    /// The search service itself, whose vectors "For you" digests rank by.
    fn service(&self) -> Option<&crate::SearchService> {
        None
    }
}

/// What a digest sends: papers matching a saved search, new papers in
/// categories, the reader's own "For you" feed, or (none of them) trending.
#[derive(Clone, Copy, Debug, Default)]
pub struct Wanted<'a> {
    pub query: Option<&'a str>,
    pub categories: &'a [String],
    pub for_you: bool,
}

/// Mail plumbing for the community: the mailer and what mails link to.
#[derive(Clone)]
pub struct MailContext {
    pub mailer: Mailer,
    pub settings: MailSettings,
    pub retry: RetryPolicy,
}

impl std::fmt::Debug for MailContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailContext")
            .field("base_url", &self.settings.base_url)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

fn describe(s: &Subscription) -> String {
    let what = if s.for_you {
        "papers for you".to_string()
    } else if let Some(q) = &s.query {
        format!("papers matching “{q}”")
    } else if !s.categories.is_empty() {
        format!("new papers in {}", s.categories.join(", "))
    } else {
        "Trending papers".to_string()
    };
    format!("{what}, {}", s.cadence)
}

impl Community {
    /// Subscribes `email`; a confirmation mail goes out (double opt-in) unless
    /// the same subscription is already active.
    pub async fn subscribe(
        &self,
        mail: &MailContext,
        email: &str,
        cadence: &str,
        wanted: Wanted<'_>,
        user: Option<&User>,
    ) -> AppResult<SubscribeResult> {
        let Wanted {
            query,
            categories,
            for_you,
        } = wanted;
        if for_you && user.is_none() {
            return Err(bad(
                "sign_in_first",
                "A “For you” digest is your own feed: sign in to subscribe to it.",
            ));
        }
        if for_you && (query.is_some() || !categories.is_empty()) {
            return Err(bad(
                "invalid_digest",
                "A “For you” digest has no query or categories of its own.",
            ));
        }
        let email = email.trim();
        if !valid_email(email) {
            return Err(bad(
                "invalid_email",
                format!("{email:?} is not a valid email address."),
            ));
        }
        let Some(cadence) = Cadence::parse(cadence) else {
            return Err(bad(
                "invalid_cadence",
                format!("cadence must be daily or weekly, not {cadence:?}."),
            ));
        };
        let query = match query.map(str::trim) {
            None => None,
            Some("") => return Err(bad("empty_query", "A saved search needs a query.")),
            Some(q) if q.chars().count() > 250 => {
                return Err(bad("invalid_query", "A query has at most 250 characters."));
            }
            Some(q) => Some(q.to_string()),
        };
        let mut cats: Vec<String> = categories
            .iter()
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty())
            .collect();
        cats.sort();
        cats.dedup();
        if let Some(unknown) = cats.iter().find(|c| !is_known_category(c)) {
            return Err(bad(
                "unknown_category",
                format!("{unknown:?} is not an arXiv category (for example cs.CL or math.AG)."),
            ));
        }
        if cats.len() > 20 {
            return Err(bad("invalid_categories", "At most 20 categories."));
        }
        let confirm = random_token("")?;
        let manage = random_token("")?;
        let now = self.clock.now();
        let n = NewSubscription {
            email: email.to_string(),
            cadence,
            query,
            categories: cats,
            user_id: user.map(|u| u.id),
            for_you,
            confirm_token_hash: sha256_hex(&confirm),
            confirm_expires_at: now
                .checked_add(SignedDuration::from_hours(48))
                .unwrap_or(now),
            manage_token_hash: sha256_hex(&manage),
        };
        let (sub, mut send) = match self.store.subscribe(&n, now).await? {
            SubscribeOutcome::Created(s) | SubscribeOutcome::StillPending(s) => (s, true),
            SubscribeOutcome::AlreadyActive(s) => (s, false),
        };
        // Anyone may subscribe any address: at most one confirmation an hour
        // goes to it, whoever asks and on whichever node (the answer is the
        // same either way, so it tells nothing).
        if send {
            send = self
                .store
                .claim_mail_slot(&sub.email, "confirm", now, CONFIRMATION_GAP)
                .await?;
        }
        if send {
            let base = mail.settings.base_url.trim_end_matches('/');
            let c = Confirmation {
                subscriber_email: sub.email.clone(),
                subscription_label: describe(&sub),
                confirm_url: format!("{base}/subscriptions/confirm?token={confirm}"),
            };
            let out = compose_confirmation(&c, &mail.settings, now)
                .map_err(|e| AppError::caused("composing a mail", e))?;
            mail.mailer
                .send_with_retry(&out, mail.retry, tokio::time::sleep)
                .await
                .map_err(|e| {
                    AppError::Upstream(format!("the confirmation mail could not be sent: {e}"))
                })?;
        }
        Ok(SubscribeResult {
            subscription: sub,
            confirmation_sent: send,
        })
    }

    /// Confirms a subscription from the link in its confirmation mail.
    pub async fn confirm_subscription(&self, token: &str) -> AppResult<Subscription> {
        self.store
            .confirm_subscription(&sha256_hex(token.trim()), self.clock.now())
            .await?
            .ok_or_else(|| {
                bad(
                    "invalid_token",
                    "This confirmation link is invalid, used or expired.",
                )
            })
    }

    /// The subscription behind an unsubscribe/manage token, and all the
    /// subscriptions of its address.
    pub async fn manage(&self, token: &str) -> AppResult<(Subscription, Vec<Subscription>)> {
        let sub = self
            .store
            .subscription_by_manage_token(&sha256_hex(token.trim()))
            .await?
            .ok_or_else(|| {
                AppError::refused(Fault::NotFound, "invalid_token", "This link is not valid.")
            })?;
        let all = self.store.subscriptions_of(&sub.email).await?;
        Ok((sub, all))
    }

    /// Unsubscribes (no sign-in needed: the token is the proof). `id` picks
    /// another subscription of the same address.
    pub async fn unsubscribe(&self, token: &str, id: Option<i64>) -> AppResult<Subscription> {
        let (sub, all) = self.manage(token).await?;
        let target = match id {
            None => sub,
            Some(id) => all.into_iter().find(|s| s.id == id).ok_or_else(|| {
                AppError::refused(
                    Fault::NotFound,
                    "no_such_subscription",
                    "No such subscription.",
                )
            })?,
        };
        self.store
            .set_subscription_status(target.id, SubscriptionStatus::Unsubscribed)
            .await?;
        Ok(Subscription {
            status: SubscriptionStatus::Unsubscribed,
            ..target
        })
    }

    async fn candidates(
        &self,
        sub: &Subscription,
        period: Period,
        search: Option<&dyn SavedSearch>,
    ) -> AppResult<Vec<ListedPaper>> {
        let (from, to) = period.bounds();
        let now = self.clock.now();
        if sub.for_you {
            let Some(user) = sub.user_id else {
                return Ok(Vec::new());
            };
            let Some(user) = self.store.user_by_id(user).await? else {
                return Ok(Vec::new());
            };
            let days = (to - from).get_days().max(0) + 1;
            let feed = self
                .for_you(
                    search.and_then(SavedSearch::service),
                    &user,
                    crate::ForYouRequest {
                        limit: 3 * DIGEST_SIZE,
                        days: i64::from(days),
                        trending_weight: None,
                    },
                )
                .await?;
            return Ok(feed.items.into_iter().map(|i| i.paper).collect());
        }
        if let Some(q) = &sub.query {
            let ids = match search {
                Some(s) => s.find(q, from, to, 200),
                None => Vec::new(),
            };
            return Ok(self.store.papers_by_ids(&ids).await?);
        }
        if !sub.categories.is_empty() {
            return Ok(self
                .store
                .papers_between(from, to, &sub.categories, 200)
                .await?);
        }
        let q = ListingQuery {
            from,
            to,
            submitter: None,
            sort: ListingSort::Upvotes,
            offset: 0,
            limit: 500,
        };
        let page = self.store.listings(&q).await?;
        Ok(
            crate::rank_trending(&self.settings.trending, page.items, now)
                .into_iter()
                .map(|t| t.paper)
                .collect(),
        )
    }

    /// Builds and sends every due digest of `period`. A subscription gets at
    /// most one mail per period (recorded under `period.key()`), never a paper
    /// it was sent before, and nothing when there is nothing new. A rerun
    /// sends only what is still due, so a crash resumes without duplicates.
    /// `after_each` runs after each recorded subscription (progress).
    pub async fn send_digests(
        &self,
        mail: &MailContext,
        period: Period,
        search: Option<Arc<dyn SavedSearch>>,
        concurrency: usize,
        after_each: Arc<dyn Fn(&DigestReport) + Send + Sync>,
    ) -> AppResult<DigestReport> {
        let mut report = DigestReport::default();
        if let Period::Daily(d) = period
            && matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
        {
            return Ok(report);
        }
        let key = period.key();
        let due = self.store.due_subscriptions(period.cadence(), &key).await?;
        report.due = due.len() as u64;
        let report = Arc::new(std::sync::Mutex::new(report));
        let sem = Arc::new(tokio::sync::Semaphore::new(concurrency.max(1)));
        let mut tasks = tokio::task::JoinSet::new();
        for sub in due {
            let permit = sem
                .clone()
                .acquire_owned()
                .await
                .map_err(|e| AppError::caused("composing a mail", e))?;
            let me = self.clone();
            let mail = mail.clone();
            let key = key.clone();
            let search = search.clone();
            let report = report.clone();
            let after_each = after_each.clone();
            tasks.spawn(async move {
                let _permit = permit;
                let outcome = me
                    .send_one(&mail, &sub, period, &key, search.as_deref())
                    .await;
                let snapshot = {
                    let mut r = report.lock().unwrap_or_else(|e| e.into_inner());
                    match outcome {
                        Ok(Outcome::Sent) => r.sent += 1,
                        Ok(Outcome::Empty) => r.empty += 1,
                        Ok(Outcome::Failed) => r.failed += 1,
                        Ok(Outcome::Deferred) => r.deferred += 1,
                        Ok(Outcome::Taken) => {}
                        Err(ref e) => {
                            tracing::error!(subscription = sub.id, error = %e, "digest failed");
                            r.deferred += 1;
                        }
                    }
                    *r
                };
                after_each(&snapshot);
            });
            // Keep finished tasks from piling up.
            while let Some(done) = tasks.try_join_next() {
                done.map_err(|e| AppError::caused("composing a mail", e))?;
            }
        }
        while let Some(done) = tasks.join_next().await {
            done.map_err(|e| AppError::caused("composing a mail", e))?;
        }
        let r = *report.lock().unwrap_or_else(|e| e.into_inner());
        Ok(r)
    }

    async fn send_one(
        &self,
        mail: &MailContext,
        sub: &Subscription,
        period: Period,
        key: &str,
        search: Option<&dyn SavedSearch>,
    ) -> AppResult<Outcome> {
        if sub.query.is_some() && search.is_none() {
            // No engine this run (e.g. the server holds the index): leave the
            // period unclaimed so a run with search sends it.
            return Ok(Outcome::Deferred);
        }
        let candidates = self.candidates(sub, period, search).await?;
        let ids: Vec<String> = candidates
            .iter()
            .map(|p| p.paper.id.base().to_string())
            .collect();
        let sent_before = self.store.already_sent(sub.id, &ids).await?;
        let fresh: Vec<&ListedPaper> = candidates
            .iter()
            .filter(|p| !sent_before.iter().any(|s| s == p.paper.id.base()))
            .take(DIGEST_SIZE)
            .collect();
        let now = self.clock.now();
        let record = |status: &'static str,
                      papers: Vec<String>,
                      attempts: i64,
                      error: Option<String>| async move {
            self.store
                .record_digest(
                    &DigestRecord {
                        subscription_id: sub.id,
                        period: key,
                        status,
                        papers: &papers,
                        attempts,
                        error: error.as_deref(),
                    },
                    now,
                )
                .await
        };
        if fresh.is_empty() {
            record("empty", Vec::new(), 0, None).await?;
            return Ok(Outcome::Empty);
        }
        // Each mail gets a token of its own; the store keeps only its hash,
        // so the database holds no working link (issue 11).
        let manage_token = random_token("")?;
        let base = mail.settings.base_url.trim_end_matches('/');
        let digest = Digest {
            subscriber_email: sub.email.clone(),
            period_label: period.label(),
            subscription_label: describe_label(sub),
            items: fresh
                .iter()
                .map(|p| DigestItem {
                    id: p.paper.id.unversioned(),
                    title: p.paper.title.clone(),
                    abstract_text: p.paper.abstract_text.clone(),
                    authors_count: p.paper.authors.len(),
                    upvotes: p.upvotes,
                    github_repo: p.paper.github_repo.clone(),
                    github_stars: p.paper.github_stars,
                })
                .collect(),
            manage_url: format!("{base}/subscriptions/manage?token={manage_token}"),
            unsubscribe_url: format!("{base}/unsubscribe?token={manage_token}"),
        };
        let out = compose_digest(&digest, &mail.settings, now)
            .map_err(|e| AppError::caused("composing a mail", e))?;
        let papers: Vec<String> = fresh
            .iter()
            .map(|p| p.paper.id.base().to_string())
            .collect();
        // Claim the period before sending: a crash after this point can lose
        // this one mail but never send it twice (a rerun skips claimed rows),
        // and of two runs at once (two nodes, a node and cron) exactly one
        // wins the claim.
        if !self.store.claim_digest(sub.id, key, now).await? {
            return Ok(Outcome::Taken);
        }
        self.store
            .add_manage_token(sub.id, &sha256_hex(&manage_token), now)
            .await?;
        match mail
            .mailer
            .send_with_retry(&out, mail.retry, tokio::time::sleep)
            .await
        {
            Ok(()) => {
                record("sent", papers, 1, None).await?;
                Ok(Outcome::Sent)
            }
            Err(e) if e.is_transient() => {
                tracing::warn!(subscription = sub.id, error = %e, "digest deferred to the next run");
                // Release the claim so the next run tries again.
                self.store.release_digest(sub.id, key).await?;
                Ok(Outcome::Deferred)
            }
            Err(e) => {
                tracing::warn!(subscription = sub.id, error = %e, "digest failed permanently");
                record(
                    "failed",
                    Vec::new(),
                    i64::from(mail.retry.max_attempts),
                    Some(e.to_string()),
                )
                .await?;
                Ok(Outcome::Failed)
            }
        }
    }
}

fn describe_label(s: &Subscription) -> String {
    let base = if s.for_you {
        "Papers for you".to_string()
    } else if let Some(q) = &s.query {
        format!("Papers matching “{q}”")
    } else if !s.categories.is_empty() {
        format!("New in {}", s.categories.join(", "))
    } else {
        "Trending papers".to_string()
    };
    if s.cadence == Cadence::Weekly {
        format!("Your weekly digest: {base}")
    } else {
        base
    }
}

enum Outcome {
    Sent,
    Empty,
    Failed,
    Deferred,
    /// Another run claimed this period first.
    Taken,
}

/// The period a digest run covers by default: the latest weekday on or
/// before `today` (daily), or the week before `today`'s (weekly).
pub fn default_period(cadence: Cadence, today: Date) -> Period {
    if cadence == Cadence::Weekly {
        Period::Weekly(today.saturating_sub(7.days()))
    } else {
        Period::Daily(today)
    }
}

/// A retry policy for digests: three tries, 1 s then 2 s apart.
pub fn default_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_secs(1),
        max_delay: Duration::from_secs(30),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_arxiv_categories() {
        for ok in [
            "cs.CL",
            "cs.LG",
            "math.AG",
            "hep-th",
            "astro-ph.CO",
            "stat.ML",
            "q-bio.NC",
            "cs",
        ] {
            assert!(is_known_category(ok), "{ok}");
        }
        for bad in [
            "cs.XX", "CS.CL", "foo.BAR", "", "cs.", "math.ag", "<script>",
        ] {
            assert!(!is_known_category(bad), "{bad}");
        }
    }

    #[test]
    fn periods_have_stable_keys() {
        let d: Date = "2026-08-21".parse().unwrap();
        assert_eq!(Period::Daily(d).key(), "daily:2026-08-21");
        assert_eq!(Period::Weekly(d).key(), "weekly:2026-W34");
        assert_eq!(Period::Weekly(d).bounds().0.to_string(), "2026-08-17");
        assert_eq!(default_period(Cadence::Weekly, d).key(), "weekly:2026-W33");
    }
}
