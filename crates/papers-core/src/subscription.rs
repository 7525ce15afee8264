//! The words of a mail subscription: how often it is sent, and where it
//! stands. Stored and shown as lowercase text (`daily`, `active`).

use std::fmt;

use serde::{Deserialize, Serialize};

/// How often a subscription's digest goes out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Cadence {
    /// Every weekday.
    Daily,
    /// Mondays, for the week before.
    Weekly,
}

/// Where a subscription stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SubscriptionStatus {
    /// Asked for, not confirmed yet: nothing is sent.
    Pending,
    Active,
    /// Stopped by hard bounces.
    Paused,
    Unsubscribed,
}

macro_rules! text_enum {
    ($t:ident { $($v:ident => $s:literal),* $(,)? }) => {
        impl $t {
            /// The stored and displayed word.
            pub fn as_str(self) -> &'static str {
                match self { $($t::$v => $s),* }
            }

            /// The value named by `s` (exactly as [`Self::as_str`] writes it).
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($s => Some($t::$v),)* _ => None }
            }
        }

        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum!(Cadence { Daily => "daily", Weekly => "weekly" });
text_enum!(SubscriptionStatus {
    Pending => "pending",
    Active => "active",
    Paused => "paused",
    Unsubscribed => "unsubscribed",
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip() {
        for c in [Cadence::Daily, Cadence::Weekly] {
            assert_eq!(Cadence::parse(c.as_str()), Some(c));
            assert_eq!(serde_json::to_string(&c).unwrap(), format!("\"{c}\""));
        }
        for s in [
            SubscriptionStatus::Pending,
            SubscriptionStatus::Active,
            SubscriptionStatus::Paused,
            SubscriptionStatus::Unsubscribed,
        ] {
            assert_eq!(SubscriptionStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(Cadence::parse("hourly"), None);
        assert_eq!(SubscriptionStatus::parse("Active"), None);
    }
}
