//! Calendar windows the daily feed is browsed by: a day (`2026-08-21`), an ISO
//! week (`2026-W34`) or a month (`2026-08`), with the previous and next window.

use std::fmt;

use jiff::civil::{Date, ISOWeekDate, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

/// A day, an ISO week or a month of the feed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DateWindow {
    Day(Date),
    /// ISO week-numbering year and week (1–53).
    Week {
        year: i16,
        week: i8,
    },
    Month {
        year: i16,
        month: i8,
    },
}

/// Why a window string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} {input:?} is not valid: expected {expected}")]
pub struct WindowError {
    pub field: &'static str,
    pub input: String,
    pub expected: &'static str,
}

impl DateWindow {
    /// Parses `YYYY-MM-DD`.
    pub fn parse_day(s: &str) -> Result<Self, WindowError> {
        parse_date(s)
            .map(DateWindow::Day)
            .ok_or_else(|| WindowError {
                field: "date",
                input: s.to_string(),
                expected: "a date YYYY-MM-DD",
            })
    }

    /// Parses an ISO week, `YYYY-Www`.
    pub fn parse_week(s: &str) -> Result<Self, WindowError> {
        let err = || WindowError {
            field: "week",
            input: s.to_string(),
            expected: "an ISO week YYYY-Www, for example 2025-W09",
        };
        let (y, w) = s.split_once("-W").ok_or_else(err)?;
        if y.len() != 4 || w.len() != 2 {
            return Err(err());
        }
        let year: i16 = y.parse().map_err(|_| err())?;
        let week: i8 = w.parse().map_err(|_| err())?;
        ISOWeekDate::new(year, week, Weekday::Monday).map_err(|_| err())?;
        Ok(DateWindow::Week { year, week })
    }

    /// Parses a month, `YYYY-MM`.
    pub fn parse_month(s: &str) -> Result<Self, WindowError> {
        let err = || WindowError {
            field: "month",
            input: s.to_string(),
            expected: "a month YYYY-MM",
        };
        let (y, m) = s.split_once('-').ok_or_else(err)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(err());
        }
        let year: i16 = y.parse().map_err(|_| err())?;
        let month: i8 = m.parse().map_err(|_| err())?;
        Date::new(year, month, 1).map_err(|_| err())?;
        Ok(DateWindow::Month { year, month })
    }

    /// The ISO week that contains `date`.
    pub fn week_of(date: Date) -> Self {
        let iso = date.iso_week_date();
        DateWindow::Week {
            year: iso.year(),
            week: iso.week(),
        }
    }

    /// The month that contains `date`.
    pub fn month_of(date: Date) -> Self {
        DateWindow::Month {
            year: date.year(),
            month: date.month(),
        }
    }

    /// First and last day of the window, both inclusive.
    pub fn bounds(&self) -> (Date, Date) {
        match *self {
            DateWindow::Day(d) => (d, d),
            DateWindow::Week { year, week } => {
                let start = ISOWeekDate::new(year, week, Weekday::Monday)
                    .map(|w| w.date())
                    .unwrap_or(Date::MIN);
                (start, start.saturating_add(6.days()))
            }
            DateWindow::Month { year, month } => {
                let start = Date::new(year, month, 1).unwrap_or(Date::MIN);
                (start, start.last_of_month())
            }
        }
    }

    pub fn previous(&self) -> Self {
        self.shift(-1)
    }

    pub fn next(&self) -> Self {
        self.shift(1)
    }

    fn shift(&self, n: i64) -> Self {
        let (start, _) = self.bounds();
        match self {
            DateWindow::Day(d) => DateWindow::Day(d.saturating_add(n.days())),
            DateWindow::Week { .. } => DateWindow::week_of(start.saturating_add((7 * n).days())),
            DateWindow::Month { .. } => DateWindow::month_of(start.saturating_add(n.months())),
        }
    }

    /// `day`, `week` or `month`.
    pub fn kind(&self) -> &'static str {
        match self {
            DateWindow::Day(_) => "date",
            DateWindow::Week { .. } => "week",
            DateWindow::Month { .. } => "month",
        }
    }

    /// The site path of this window, e.g. `/papers/week/2026-W34`.
    pub fn path(&self) -> String {
        format!("/papers/{}/{self}", self.kind())
    }

    /// A human title: "August 21, 2026", "Week 34 of 2026", "August 2026".
    pub fn title(&self) -> String {
        match *self {
            DateWindow::Day(d) => format!("{} {}, {}", month_name(d.month()), d.day(), d.year()),
            DateWindow::Week { year, week } => {
                let (s, e) = self.bounds();
                format!(
                    "Week {week} of {year} ({} {} – {} {})",
                    month_abbr(s.month()),
                    s.day(),
                    month_abbr(e.month()),
                    e.day()
                )
            }
            DateWindow::Month { year, month } => format!("{} {year}", month_name(month)),
        }
    }
}

impl fmt::Display for DateWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            DateWindow::Day(d) => write!(f, "{d}"),
            DateWindow::Week { year, week } => write!(f, "{year:04}-W{week:02}"),
            DateWindow::Month { year, month } => write!(f, "{year:04}-{month:02}"),
        }
    }
}

fn parse_date(s: &str) -> Option<Date> {
    if s.len() != 10 {
        return None;
    }
    s.parse::<Date>().ok()
}

/// English month name, 1-based.
pub fn month_name(month: i8) -> &'static str {
    const NAMES: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    usize::try_from(month)
        .ok()
        .and_then(|m| m.checked_sub(1))
        .and_then(|i| NAMES.get(i))
        .copied()
        .unwrap_or("?")
}

/// The first three letters of the English month name ("Aug").
fn month_abbr(month: i8) -> &'static str {
    let name = month_name(month);
    name.get(..3).unwrap_or(name)
}

/// "Today" for the feed: the calendar date in America/New_York at `now`.
pub fn today_in_new_york(now: Timestamp) -> Date {
    let tz = TimeZone::get("America/New_York").unwrap_or(TimeZone::UTC);
    now.to_zoned_datetime(tz).date()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_windows() {
        assert_eq!(
            DateWindow::parse_day("2026-08-21").unwrap().to_string(),
            "2026-08-21"
        );
        assert_eq!(
            DateWindow::parse_week("2025-W09").unwrap().to_string(),
            "2025-W09"
        );
        assert_eq!(
            DateWindow::parse_month("2026-08").unwrap().to_string(),
            "2026-08"
        );
        assert!(DateWindow::parse_day("2026-13-01").is_err());
        assert!(DateWindow::parse_day("2026-8-1").is_err());
        assert!(DateWindow::parse_week("2025-W54").is_err());
        assert!(DateWindow::parse_week("2025-09").is_err());
        assert!(DateWindow::parse_month("2026-13").is_err());
    }

    #[test]
    fn weeks_are_iso_weeks_and_cross_years() {
        let w = DateWindow::parse_week("2026-W01").unwrap();
        let (s, e) = w.bounds();
        assert_eq!(s.to_string(), "2025-12-29");
        assert_eq!(e.to_string(), "2026-01-04");
        assert_eq!(w.previous().to_string(), "2025-W52");
        assert_eq!(
            DateWindow::parse_week("2020-W53")
                .unwrap()
                .next()
                .to_string(),
            "2021-W01"
        );
    }

    #[test]
    fn months_and_days_step() {
        let m = DateWindow::parse_month("2026-12").unwrap();
        assert_eq!(m.next().to_string(), "2027-01");
        assert_eq!(m.bounds().1.to_string(), "2026-12-31");
        let d = DateWindow::parse_day("2024-03-01").unwrap();
        assert_eq!(d.previous().to_string(), "2024-02-29");
        assert_eq!(d.path(), "/papers/date/2024-03-01");
    }

    #[test]
    fn today_is_new_york_time() {
        // 03:00 UTC on Aug 22 is still Aug 21 in New York (EDT, UTC-4).
        let ts: Timestamp = "2026-08-22T03:00:00Z".parse().unwrap();
        assert_eq!(today_in_new_york(ts).to_string(), "2026-08-21");
        let ts: Timestamp = "2026-08-22T05:00:00Z".parse().unwrap();
        assert_eq!(today_in_new_york(ts).to_string(), "2026-08-22");
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn never_panics_and_round_trips(s in "\\PC{0,16}|[0-9+-]{0,5}-W?[0-9+-]{0,3}(-[0-9]{0,3})?") {
            let parsed = [
                DateWindow::parse_day(&s),
                DateWindow::parse_week(&s),
                DateWindow::parse_month(&s),
            ];
            for w in parsed.into_iter().flatten() {
                let printed = w.to_string();
                let again = match w {
                    DateWindow::Day(_) => DateWindow::parse_day(&printed),
                    DateWindow::Week { .. } => DateWindow::parse_week(&printed),
                    DateWindow::Month { .. } => DateWindow::parse_month(&printed),
                };
                prop_assert_eq!(again, Ok(w));
                let _ = (w.title(), w.path(), w.previous(), w.next());
            }
        }

        #[test]
        fn month_name_is_total(m in any::<i8>()) {
            let name = month_name(m);
            prop_assert_eq!(name == "?", !(1..=12).contains(&m));
        }
    }
}
