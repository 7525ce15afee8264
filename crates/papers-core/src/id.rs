//! arXiv identifiers: new-style (`2410.12345`, `0704.0001`), old-style
//! (`hep-th/9901001`, `math.GT/0309136`), with an optional version (`v2`), and
//! the many ways people write them (`arXiv:…`, abs and pdf URLs).

use std::fmt;
use std::str::FromStr;

/// A normalised arXiv identifier.
///
/// `base` is the canonical form without version: new-style `YYMM.NNNN[N]`, or
/// old-style `archive/YYMMNNN` with the archive lower-cased and any subject
/// class (`math.GT/…` → `math/…`) removed.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ArxivId {
    base: String,
    version: Option<u32>,
}

/// Why a string is not an arXiv identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an arXiv id: {input:?} ({reason})")]
pub struct IdError {
    pub input: String,
    pub reason: &'static str,
}

impl ArxivId {
    /// Parses an id, an `arXiv:` id, or an arxiv.org `abs`/`pdf` URL.
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let err = |reason| IdError {
            input: input.to_string(),
            reason,
        };
        let mut s = input.trim();
        if s.is_empty() {
            return Err(err("empty"));
        }
        // URLs: http(s)://[export.]arxiv.org/(abs|pdf)/ID[.pdf]
        if let Some(pos) = s.find("://") {
            let rest = &s[pos + 3..];
            let (host, path) = rest
                .split_once('/')
                .ok_or_else(|| err("URL without a path"))?;
            let host = host.to_ascii_lowercase();
            if !(host == "arxiv.org" || host.ends_with(".arxiv.org")) {
                return Err(err("URL is not on arxiv.org"));
            }
            let path = path.split(['?', '#']).next().unwrap_or("");
            let path = path
                .strip_prefix("abs/")
                .or_else(|| path.strip_prefix("pdf/"))
                .ok_or_else(|| err("arxiv.org URL is neither /abs/ nor /pdf/"))?;
            s = path.strip_suffix(".pdf").unwrap_or(path);
            s = s.trim_end_matches('/');
        }
        if s.len() > 6 && s[..6].eq_ignore_ascii_case("arxiv:") {
            s = &s[6..];
        }
        let (body, version) = split_version(s).map_err(err)?;
        let base = if let Some((archive, num)) = body.split_once('/') {
            normalise_old_style(archive, num).map_err(err)?
        } else {
            normalise_new_style(body).map_err(err)?
        };
        Ok(ArxivId { base, version })
    }

    /// The id without its version, as used for storage and URLs.
    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn version(&self) -> Option<u32> {
        self.version
    }

    /// The same id without a version.
    pub fn unversioned(&self) -> ArxivId {
        ArxivId {
            base: self.base.clone(),
            version: None,
        }
    }

    pub fn with_version(&self, version: Option<u32>) -> ArxivId {
        ArxivId {
            base: self.base.clone(),
            version,
        }
    }

    /// True for old-style ids such as `hep-th/9901001`.
    pub fn is_old_style(&self) -> bool {
        self.base.contains('/')
    }

    pub fn abs_url(&self) -> String {
        format!("https://arxiv.org/abs/{self}")
    }

    pub fn pdf_url(&self) -> String {
        format!("https://arxiv.org/pdf/{self}")
    }
}

fn split_version(s: &str) -> Result<(&str, Option<u32>), &'static str> {
    if let Some(pos) = s.rfind(['v', 'V']) {
        let digits = &s[pos + 1..];
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) && pos > 0 {
            let v: u32 = digits.parse().map_err(|_| "version number too large")?;
            if v == 0 {
                return Err("version must be at least 1");
            }
            return Ok((&s[..pos], Some(v)));
        }
    }
    Ok((s, None))
}

fn normalise_new_style(body: &str) -> Result<String, &'static str> {
    let (yymm, num) = body
        .split_once('.')
        .ok_or("expected YYMM.NNNNN or archive/YYMMNNN")?;
    if yymm.len() != 4 || !yymm.bytes().all(|b| b.is_ascii_digit()) {
        return Err("expected four digits YYMM before the dot");
    }
    let month: u32 = yymm[2..].parse().map_err(|_| "bad month")?;
    if !(1..=12).contains(&month) {
        return Err("month must be 01 to 12");
    }
    if !num.bytes().all(|b| b.is_ascii_digit()) {
        return Err("expected digits after the dot");
    }
    let year: u32 = yymm[..2].parse().map_err(|_| "bad year")?;
    // 4-digit numbers until 2014-12, 5 digits from 2015-01.
    let want = if (15..90).contains(&year) { 5 } else { 4 };
    if num.len() != want {
        return Err(if want == 5 {
            "ids from 2015 on have five digits after the dot"
        } else {
            "ids before 2015 have four digits after the dot"
        });
    }
    Ok(format!("{yymm}.{num}"))
}

fn normalise_old_style(archive: &str, num: &str) -> Result<String, &'static str> {
    let archive = archive.split('.').next().unwrap_or("");
    if archive.is_empty()
        || !archive
            .bytes()
            .all(|b| b.is_ascii_alphabetic() || b == b'-')
    {
        return Err("bad archive name");
    }
    if num.len() != 7 || !num.bytes().all(|b| b.is_ascii_digit()) {
        return Err("old-style ids have seven digits after the slash");
    }
    let month: u32 = num[2..4].parse().map_err(|_| "bad month")?;
    if !(1..=12).contains(&month) {
        return Err("month must be 01 to 12");
    }
    Ok(format!("{}/{num}", archive.to_ascii_lowercase()))
}

impl fmt::Display for ArxivId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.version {
            Some(v) => write!(f, "{}v{v}", self.base),
            None => f.write_str(&self.base),
        }
    }
}

impl FromStr for ArxivId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ArxivId::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: Option<(&str, Option<u32>)>) {
        let got = ArxivId::parse(input).ok();
        let got = got.as_ref().map(|id| (id.base(), id.version()));
        assert_eq!(got, expected, "parsing {input:?}");
    }

    #[test]
    fn parses_the_forms_people_write() {
        check("2410.12345", Some(("2410.12345", None)));
        check("2410.12345v2", Some(("2410.12345", Some(2))));
        check("arXiv:2410.12345v12", Some(("2410.12345", Some(12))));
        check("0704.0001", Some(("0704.0001", None)));
        check("hep-th/9901001", Some(("hep-th/9901001", None)));
        check("hep-th/9901001v3", Some(("hep-th/9901001", Some(3))));
        check("math.GT/0309136", Some(("math/0309136", None)));
        check("astro-ph/0601001", Some(("astro-ph/0601001", None)));
        check(
            "https://arxiv.org/abs/2410.12345v2",
            Some(("2410.12345", Some(2))),
        );
        check(
            "http://arxiv.org/pdf/2410.12345.pdf",
            Some(("2410.12345", None)),
        );
        check(
            "https://export.arxiv.org/abs/hep-th/9901001",
            Some(("hep-th/9901001", None)),
        );
        check(" 2501.00001 ", Some(("2501.00001", None)));
    }

    #[test]
    fn refuses_malformed_ids() {
        check("", None);
        check("abc", None);
        check("2413.12345", None);
        check("2410.123", None);
        check("2410.1234", None);
        check("1410.12345", None);
        check("2410.12345v0", None);
        check("hep-th/99", None);
        check("https://example.com/abs/2410.12345", None);
        check("0000.0000", None);
    }

    #[test]
    fn displays_with_version() {
        let id = ArxivId::parse("2410.12345v2").unwrap();
        assert_eq!(id.to_string(), "2410.12345v2");
        assert_eq!(id.unversioned().to_string(), "2410.12345");
        assert_eq!(id.abs_url(), "https://arxiv.org/abs/2410.12345v2");
    }
}
