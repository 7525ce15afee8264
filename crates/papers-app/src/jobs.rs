//! Jobs that run on exactly one node at a time: the site's scheduler.
//!
//! Every node runs a [`Scheduler`] with the same jobs. Each job has a due
//! time in the store; every few seconds each node tries to take the lease of
//! each due job ([`papers_store::Store::take_due_job`]), and the one that
//! gets it runs the job while renewing the lease, then records the outcome
//! and the next due time. A node that dies stops renewing: its lease lapses
//! (after [`SchedulerConfig::lease`]) and another node takes the job over.
//! A node that loses its lease (a long pause) stops its run. On SQLite the
//! one node takes every lease; the rules are the same.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use jiff::civil::{Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use papers_core::Clock;
use papers_store::Store;
use tokio_util::sync::CancellationToken;

/// When a job is due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Every {
    /// Once a day at this time, America/New_York.
    Day(Time),
    /// On weekdays at this time, America/New_York (the daily papers' days).
    Weekday(Time),
    /// At this interval, from the first start.
    Interval(SignedDuration),
}

/// The longest `every N…` interval: a year.
const MAX_INTERVAL_SECS: i64 = 366 * 86_400;

impl Every {
    /// Parses `HH:MM` (daily), `weekdays HH:MM`, or `every 30m` / `every 6h`
    /// / `every 1d`.
    pub fn parse(s: &str) -> Option<Every> {
        let s = s.trim();
        if let Some(rest) = s.strip_prefix("every ") {
            let rest = rest.trim();
            let (num, unit) = rest.split_at(rest.find(|c: char| !c.is_ascii_digit())?);
            let n: i64 = num.parse().ok().filter(|n| *n > 0)?;
            let unit = match unit.trim() {
                "s" => 1,
                "m" => 60,
                "h" => 3600,
                "d" => 86_400,
                _ => return None,
            };
            // At most a year: `next_after` adds it to a Timestamp.
            let secs = n.checked_mul(unit).filter(|s| *s <= MAX_INTERVAL_SECS)?;
            return Some(Every::Interval(SignedDuration::from_secs(secs)));
        }
        if let Some(rest) = s.strip_prefix("weekdays ") {
            return rest.trim().parse().ok().map(Every::Weekday);
        }
        s.parse().ok().map(Every::Day)
    }

    /// The first due time strictly after `now`.
    pub fn next_after(&self, now: Timestamp) -> Timestamp {
        let (at, weekdays) = match *self {
            Every::Interval(d) => return now + d,
            Every::Day(t) => (t, false),
            Every::Weekday(t) => (t, true),
        };
        let tz = TimeZone::get("America/New_York").unwrap_or(TimeZone::UTC);
        let local = now.to_zoned_datetime(tz.clone());
        let mut day = local.date();
        for _ in 0..8 {
            let weekend = matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday);
            if let Ok(z) = day.to_datetime(at).to_zoned_datetime(tz.clone())
                && z.timestamp() > now
                && !(weekdays && weekend)
            {
                return z.timestamp();
            }
            day = day.tomorrow().unwrap_or(day);
        }
        now + SignedDuration::from_hours(24)
    }
}

impl std::fmt::Display for Every {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Every::Day(t) => write!(f, "{}", t.strftime("%H:%M")),
            Every::Weekday(t) => write!(f, "weekdays {}", t.strftime("%H:%M")),
            Every::Interval(d) => write!(f, "every {}s", d.as_secs()),
        }
    }
}

/// What a run answers: a line for `papers jobs` and the admin page, or why
/// it failed.
pub type JobOutcome = Result<String, String>;

/// The body of a job: called with the run's cancellation (the server stops,
/// or the lease was lost) and the time it was due.
pub type JobFn = Arc<
    dyn Fn(CancellationToken, Timestamp) -> Pin<Box<dyn Future<Output = JobOutcome> + Send>>
        + Send
        + Sync,
>;

/// A job of the site.
#[derive(Clone)]
pub struct Job {
    pub name: String,
    pub every: Every,
    pub run: JobFn,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job")
            .field("name", &self.name)
            .field("every", &self.every)
            .finish_non_exhaustive()
    }
}

/// How the scheduler holds leases.
#[derive(Clone, Debug)]
pub struct SchedulerConfig {
    /// This node's name in the store.
    pub node: String,
    /// How long a lease lasts unless renewed; renewed every third of it.
    /// Another node takes a dead node's job over within this and a tick.
    pub lease: SignedDuration,
    /// How often each node looks for due jobs.
    pub tick: Duration,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        SchedulerConfig {
            node: "local".into(),
            lease: SignedDuration::from_secs(30),
            tick: Duration::from_secs(5),
        }
    }
}

/// Runs the site's jobs on this node whenever it holds their lease.
#[derive(Debug)]
pub struct Scheduler {
    store: Store,
    clock: Arc<dyn Clock>,
    config: SchedulerConfig,
    jobs: Vec<Job>,
}

impl Scheduler {
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        config: SchedulerConfig,
        jobs: Vec<Job>,
    ) -> Self {
        Scheduler {
            store,
            clock,
            config,
            jobs,
        }
    }

    /// The jobs, for listing.
    pub fn jobs(&self) -> &[Job] {
        &self.jobs
    }

    /// Puts every job in the store with its next due time (a known job keeps
    /// an earlier one).
    pub async fn register(&self) -> Result<(), papers_store::StoreError> {
        let now = self.clock.now();
        for job in &self.jobs {
            let first = match job.every {
                // An interval job is due at once on a new site.
                Every::Interval(_) => now,
                every => every.next_after(now),
            };
            self.store
                .schedule_job(&job.name, &job.every.to_string(), first)
                .await?;
        }
        Ok(())
    }

    /// Looks for due jobs every tick until `cancel`, running each one this
    /// node takes (concurrently with the others), and waits for the runs
    /// in progress before it returns.
    pub async fn run(self, cancel: CancellationToken) {
        if let Err(e) = self.register().await {
            tracing::error!(error = %e, "the scheduler could not register its jobs");
        }
        let this = Arc::new(self);
        let runs = tokio_util::task::TaskTracker::new();
        loop {
            for job in &this.jobs {
                let now = this.clock.now();
                let until = now + this.config.lease;
                match this
                    .store
                    .take_due_job(&job.name, &this.config.node, now, until)
                    .await
                {
                    Ok(true) => {
                        runs.spawn(this.clone().run_one(job.clone(), now, cancel.child_token()));
                    }
                    Ok(false) => {}
                    Err(e) => {
                        tracing::warn!(job = %job.name, error = %e, "could not look at a job")
                    }
                }
            }
            tokio::select! {
                () = cancel.cancelled() => break,
                () = tokio::time::sleep(this.config.tick) => {}
            }
        }
        runs.close();
        runs.wait().await;
    }

    /// One run of a job whose lease this node holds: the body runs while
    /// the lease is renewed; losing the lease cancels the body.
    async fn run_one(self: Arc<Self>, job: Job, due: Timestamp, cancel: CancellationToken) {
        let node = &self.config.node;
        tracing::info!(job = %job.name, node = %node, "job started");
        let body = (job.run)(cancel.clone(), due);
        tokio::pin!(body);
        let renew_every =
            Duration::try_from(self.config.lease / 3).unwrap_or(Duration::from_secs(10));
        let outcome = loop {
            tokio::select! {
                outcome = &mut body => break outcome,
                () = tokio::time::sleep(renew_every) => {
                    let until = self.clock.now() + self.config.lease;
                    match self.store.renew_job_lease(&job.name, node, until).await {
                        Ok(true) => {}
                        Ok(false) => {
                            tracing::warn!(job = %job.name, "lost the job's lease to another node; stopping this run");
                            cancel.cancel();
                            return;
                        }
                        Err(e) => tracing::warn!(job = %job.name, error = %e, "could not renew a job's lease"),
                    }
                }
            }
        };
        let now = self.clock.now();
        let next = job.every.next_after(now);
        let (ok, message) = match &outcome {
            Ok(m) => (true, m.as_str()),
            Err(m) => (false, m.as_str()),
        };
        if ok {
            tracing::info!(job = %job.name, message, "job finished");
        } else {
            tracing::error!(job = %job.name, message, "job failed");
        }
        match self
            .store
            .finish_job(&job.name, node, now, ok, message, next)
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!(job = %job.name, "the job's lease passed to another node before it finished")
            }
            Err(e) => tracing::error!(job = %job.name, error = %e, "could not record a job's end"),
        }
    }
}

/// What a load balancer asks a node (`/readyz`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Readiness {
    /// Ready to serve: the store answers and the search index has been
    /// brought in step with the store once (a new node builds it first).
    pub ready: bool,
    /// Why not, when not.
    pub problem: Option<String>,
    /// The last change of the store's change feed this node's index has
    /// applied, and the newest (equal when caught up).
    pub applied_change: Option<i64>,
    pub newest_change: Option<i64>,
}

impl crate::Catalog {
    /// Whether this node can serve: see [`Readiness`].
    pub async fn readiness(&self, search: Option<&crate::SearchService>) -> Readiness {
        let mut r = Readiness {
            ready: false,
            problem: None,
            applied_change: None,
            newest_change: None,
        };
        if let Err(e) = self.store().ping().await {
            r.problem = Some(format!("the store does not answer: {e}"));
            return r;
        }
        if let Some(search) = search {
            match search.lag(self.store()).await {
                Ok((applied, newest)) => {
                    r.applied_change = Some(applied);
                    r.newest_change = Some(newest);
                    if applied < 0 && !search.read_only() {
                        r.problem = Some("the search index is being built".into());
                        return r;
                    }
                }
                Err(e) => {
                    r.problem = Some(format!("the change feed could not be read: {e}"));
                    return r;
                }
            }
        }
        r.ready = true;
        r
    }

    /// The site's jobs with their leases and last runs (the admin page).
    pub async fn jobs(&self) -> crate::AppResult<Vec<papers_store::JobRecord>> {
        Ok(self.store().jobs().await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn schedules_parse_and_find_their_next_time() {
        assert_eq!(
            Every::parse("every 30m"),
            Some(Every::Interval(SignedDuration::from_secs(1800)))
        );
        assert_eq!(Every::parse("every 0m"), None);
        // Overflowing or beyond a year (`next_after` would leave jiff's range).
        assert_eq!(Every::parse("every 200000000000000d"), None);
        assert_eq!(Every::parse("every 100000000d"), None);
        assert!(Every::parse("every 366d").is_some());
        assert_eq!(Every::parse("every 367d"), None);
        assert_eq!(Every::parse("every 5x"), None);
        assert_eq!(Every::parse("25:00"), None);
        // 2026-11-27 is a Friday; 07:30 in New York is 12:30 UTC (EST).
        let friday_noon = ts("2026-11-27T12:00:00Z");
        let daily = Every::parse("07:30").unwrap();
        assert_eq!(daily.next_after(friday_noon), ts("2026-11-27T12:30:00Z"));
        assert_eq!(
            daily.next_after(ts("2026-11-27T12:30:00Z")),
            ts("2026-11-28T12:30:00Z"),
            "strictly after"
        );
        let weekdays = Every::parse("weekdays 07:30").unwrap();
        assert_eq!(
            weekdays.next_after(ts("2026-11-27T13:00:00Z")),
            ts("2026-11-30T12:30:00Z"),
            "Friday after the time: Monday"
        );
        assert_eq!(
            Every::parse("every 2h").unwrap().next_after(friday_noon),
            ts("2026-11-27T14:00:00Z")
        );
    }
}
