//! Small text, date and JSON helpers shared by the parsers.

use jiff::Timestamp;
use jiff::civil::Date;
use serde_json::{Map, Value};

use crate::FieldError;

/// Collapses every run of whitespace (arXiv hard-wraps titles and abstracts)
/// into one space and trims both ends; everything else stays byte-exact.
pub fn collapse_ws(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Parses the timestamps sources write: RFC 3339 (`2024-05-24T17:34:15.000Z`,
/// `2016-10-09T00:00:00-04:00`), RFC 2822 (`Mon, 2 Apr 2007 19:18:42 GMT`),
/// a civil date-time taken as UTC, or a bare date (midnight UTC).
pub fn parse_timestamp(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(ts) = s.parse::<Timestamp>() {
        return Some(ts);
    }
    if let Ok(ts) = jiff::fmt::rfc2822::DateTimeParser::new().parse_timestamp(s) {
        return Some(ts);
    }
    if let Ok(dt) = s.parse::<jiff::civil::DateTime>() {
        return jiff::tz::TimeZone::UTC.to_timestamp(dt).ok();
    }
    parse_date(s).and_then(date_start)
}

/// A `YYYY-MM-DD` date (anything after the first 10 bytes is ignored only
/// when it starts a time, as in `2025-07-22T01:41:01Z`).
pub fn parse_date(s: &str) -> Option<Date> {
    let s = s.trim();
    let (head, rest) = s.split_at_checked(10)?;
    if !(rest.is_empty() || rest.starts_with(['T', ' ', 't'])) {
        return None;
    }
    head.parse::<Date>().ok()
}

/// Midnight UTC of a day.
pub fn date_start(date: Date) -> Option<Timestamp> {
    jiff::tz::TimeZone::UTC
        .to_timestamp(date.to_datetime(jiff::civil::Time::midnight()))
        .ok()
}

/// Typed access to the fields of a JSON object, with errors that name the
/// field path. `null` counts as absent.
pub struct Obj<'a> {
    pub map: &'a Map<String, Value>,
    pub path: &'a str,
}

impl<'a> Obj<'a> {
    pub fn new(value: &'a Value, path: &'a str) -> Result<Self, FieldError> {
        match value.as_object() {
            Some(map) => Ok(Obj { map, path }),
            None => Err(FieldError::new(
                if path.is_empty() { "(record)" } else { path },
                format!("expected a JSON object, found {}", kind(value)),
            )),
        }
    }

    pub fn field(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    pub fn opt_str(&self, key: &str) -> Result<Option<&'a str>, FieldError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.wrong(key, "a string", other)),
        }
    }

    /// A string that is present and not blank.
    pub fn req_str(&self, key: &str) -> Result<&'a str, FieldError> {
        match self.opt_str(key)? {
            Some(s) if !s.trim().is_empty() => Ok(s),
            Some(_) => Err(FieldError::new(self.field(key), "is empty")),
            None => Err(FieldError::new(self.field(key), "is missing")),
        }
    }

    /// An optional string, `None` when blank.
    pub fn opt_nonblank(&self, key: &str) -> Result<Option<String>, FieldError> {
        Ok(self
            .opt_str(key)?
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string))
    }

    /// An optional link, kept only when it is an absolute `http(s)://` URL
    /// ([`papers_core::parse_http_url`]). A link that is not is left out of
    /// the record and reported in `dropped`, so one bad field does not lose
    /// the paper.
    pub fn opt_link(
        &self,
        key: &str,
        dropped: &mut Vec<FieldError>,
    ) -> Result<Option<String>, FieldError> {
        let Some(text) = self.opt_nonblank(key)? else {
            return Ok(None);
        };
        match papers_core::parse_http_url(&text) {
            Ok(url) => Ok(Some(url)),
            Err(e) => {
                dropped.push(FieldError::new(
                    self.field(key),
                    format!("link dropped: {e}"),
                ));
                Ok(None)
            }
        }
    }

    pub fn opt_i64(&self, key: &str) -> Result<Option<i64>, FieldError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_i64()
                .map(Some)
                .ok_or_else(|| self.wrong(key, "an integer", v)),
        }
    }

    pub fn opt_bool(&self, key: &str) -> Result<Option<bool>, FieldError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(self.wrong(key, "true or false", other)),
        }
    }

    pub fn opt_timestamp(&self, key: &str) -> Result<Option<Timestamp>, FieldError> {
        match self.opt_str(key)? {
            None => Ok(None),
            Some(s) if s.trim().is_empty() => Ok(None),
            Some(s) => parse_timestamp(s)
                .map(Some)
                .ok_or_else(|| FieldError::new(self.field(key), format!("not a timestamp: {s:?}"))),
        }
    }

    pub fn opt_date(&self, key: &str) -> Result<Option<Date>, FieldError> {
        match self.opt_str(key)? {
            None => Ok(None),
            Some(s) if s.trim().is_empty() => Ok(None),
            Some(s) => parse_date(s)
                .map(Some)
                .ok_or_else(|| FieldError::new(self.field(key), format!("not a date: {s:?}"))),
        }
    }

    pub fn opt_str_list(&self, key: &str) -> Result<Option<Vec<String>>, FieldError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| match v {
                    Value::String(s) => Ok(s.clone()),
                    other => Err(FieldError::new(
                        format!("{}[{i}]", self.field(key)),
                        format!("expected a string, found {}", kind(other)),
                    )),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(other) => Err(self.wrong(key, "a list of strings", other)),
        }
    }

    pub fn opt_object(&self, key: &str) -> Result<Option<&'a Value>, FieldError> {
        match self.get(key) {
            None => Ok(None),
            Some(v @ Value::Object(_)) => Ok(Some(v)),
            Some(other) => Err(self.wrong(key, "an object", other)),
        }
    }

    pub fn wrong(&self, key: &str, expected: &str, found: &Value) -> FieldError {
        FieldError::new(
            self.field(key),
            format!("expected {expected}, found {}", kind(found)),
        )
    }
}

pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collapses_whitespace_but_keeps_the_rest() {
        assert_eq!(
            collapse_ws("  A $x<y$ &amp;\n  wrapped\ttitle \n"),
            "A $x<y$ &amp; wrapped title"
        );
        assert_eq!(collapse_ws(" \n "), "");
    }

    #[test]
    fn parses_every_timestamp_style_seen() {
        let check = |s: &str, want: &str| {
            assert_eq!(
                parse_timestamp(s).map(|t| t.to_string()).as_deref(),
                Some(want),
                "{s}"
            )
        };
        check("2024-05-24T17:34:15.000Z", "2024-05-24T17:34:15Z");
        check("2016-10-09T00:00:00-04:00", "2016-10-09T04:00:00Z");
        check("Mon, 2 Apr 2007 19:18:42 GMT", "2007-04-02T19:18:42Z");
        check("2014-01-09", "2014-01-09T00:00:00Z");
        assert_eq!(parse_timestamp("yesterday"), None);
        assert_eq!(
            parse_date("2025-07-22T01:41:01.897Z")
                .map(|d| d.to_string())
                .as_deref(),
            Some("2025-07-22")
        );
        assert_eq!(parse_date("2025-07-22x"), None);
    }
}
