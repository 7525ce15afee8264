//! The trending score: votes decayed by age, in the style of Hacker News'
//! gravity formula, with every part kept so a paper can show how its score was
//! made.
//!
//! `score = votes / (age_hours + offset_hours) ^ gravity`

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The parameters of the decay, from the configuration.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrendingParams {
    /// How fast age pulls a paper down (HN uses 1.8).
    pub gravity: f64,
    /// Hours added to the age so brand-new papers don't divide by ~0.
    pub offset_hours: f64,
    /// How many days back the trending page looks.
    pub window_days: u32,
}

impl Default for TrendingParams {
    fn default() -> Self {
        TrendingParams {
            gravity: 1.8,
            offset_hours: 2.0,
            window_days: 7,
        }
    }
}

/// A score and the parts it was made from.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct TrendingScore {
    pub votes: i64,
    pub age_hours: f64,
    pub gravity: f64,
    pub offset_hours: f64,
    /// `(age_hours + offset_hours) ^ gravity`
    pub decay: f64,
    pub score: f64,
}

impl TrendingParams {
    /// Scores a paper with `votes` that appeared on the feed at `since`.
    pub fn score(&self, votes: i64, since: Timestamp, now: Timestamp) -> TrendingScore {
        let age_secs = (now.as_second() - since.as_second()).max(0) as f64;
        let age_hours = age_secs / 3600.0;
        let decay = (age_hours + self.offset_hours).max(1e-9).powf(self.gravity);
        TrendingScore {
            votes,
            age_hours,
            gravity: self.gravity,
            offset_hours: self.offset_hours,
            decay,
            score: votes.max(0) as f64 / decay,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn older_papers_need_more_votes() {
        let p = TrendingParams::default();
        let now = at("2026-08-21T12:00:00Z");
        let fresh = p.score(10, at("2026-08-21T10:00:00Z"), now);
        let old = p.score(30, at("2026-08-18T12:00:00Z"), now);
        assert!(fresh.score > old.score, "{fresh:?} vs {old:?}");
        assert!((fresh.age_hours - 2.0).abs() < 1e-9);
        assert!((fresh.decay - 4f64.powf(1.8)).abs() < 1e-9);
        assert!((fresh.score - 10.0 / 4f64.powf(1.8)).abs() < 1e-12);
    }

    #[test]
    fn future_dates_count_as_age_zero() {
        let p = TrendingParams::default();
        let s = p.score(5, at("2026-08-22T00:00:00Z"), at("2026-08-21T00:00:00Z"));
        assert_eq!(s.age_hours, 0.0);
    }
}
