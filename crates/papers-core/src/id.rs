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
        if let Some((scheme, rest)) = s.split_once("://") {
            if !(scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")) {
                return Err(err("URL is not http or https"));
            }
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
        if let Some((prefix, rest)) = s.split_at_checked(6)
            && prefix.eq_ignore_ascii_case("arxiv:")
        {
            s = rest;
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
    if let Some((body, digits)) = s.rsplit_once(['v', 'V'])
        && !body.is_empty()
        && !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
    {
        let v: u32 = digits.parse().map_err(|_| "version number too large")?;
        if v == 0 {
            return Err("version must be at least 1");
        }
        return Ok((body, Some(v)));
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
    // Four ASCII digits, so splitting after two bytes is on a char boundary.
    let (yy, mm) = yymm.split_at_checked(2).ok_or("bad YYMM")?;
    let month: u32 = mm.parse().map_err(|_| "bad month")?;
    if !(1..=12).contains(&month) {
        return Err("month must be 01 to 12");
    }
    if !num.bytes().all(|b| b.is_ascii_digit()) {
        return Err("expected digits after the dot");
    }
    let year: u32 = yy.parse().map_err(|_| "bad year")?;
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
    let month: u32 = num
        .get(2..4)
        .ok_or("bad month")?
        .parse()
        .map_err(|_| "bad month")?;
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

    /// `GET /papers/aaaaa%C3%A9` once panicked: a byte slice cut through `é`.
    #[test]
    fn multibyte_input_is_an_error_not_a_panic() {
        for input in [
            "aaaaa\u{e9}",
            "\u{e9}",
            "arXi\u{e9}:2410.12345",
            "arxiv\u{e9}2410.12345",
            "\u{e9}\u{e9}\u{e9}\u{e9}",
            "2410.12345v\u{e9}",
            "2410.1234\u{e9}",
            "24\u{e9}.12345",
            "\u{e9}\u{e9}.12345",
            "hep-th/99\u{e9}01",
            "hep-th/99\u{e9}\u{e9}01",
            "h\u{e9}p-th/9901001",
            "\u{1F600}\u{1F600}",
            "https://arxiv.org/abs/\u{e9}",
            "https://\u{e9}rxiv.org/abs/2410.12345",
            "\u{e9}://arxiv.org/abs/2410.12345",
            "v\u{e9}v1",
        ] {
            assert!(
                ArxivId::parse(input).is_err(),
                "{input:?} should be refused"
            );
        }
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    /// A valid new-style id: `YYMM.NNNN` before 2015, `YYMM.NNNNN` from 2015.
    fn new_style() -> impl Strategy<Value = String> {
        (0u32..100, 1u32..=12, 0u32..100_000).prop_map(|(yy, mm, n)| {
            if (15..90).contains(&yy) {
                format!("{yy:02}{mm:02}.{n:05}")
            } else {
                format!("{yy:02}{mm:02}.{:04}", n % 10_000)
            }
        })
    }

    /// A valid old-style id in canonical form: `archive/YYMMNNN`.
    fn old_style() -> impl Strategy<Value = String> {
        ("[a-z][a-z-]{0,15}", 0u32..100, 1u32..=12, 0u32..1000)
            .prop_map(|(archive, yy, mm, n)| format!("{archive}/{yy:02}{mm:02}{n:03}"))
    }

    fn any_id() -> impl Strategy<Value = ArxivId> {
        (
            prop_oneof![new_style(), old_style()],
            proptest::option::of(1u32..=u32::MAX),
        )
            .prop_map(|(base, version)| ArxivId { base, version })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn parse_of_display_is_identity(id in any_id()) {
            prop_assert_eq!(ArxivId::parse(&id.to_string()), Ok(id.clone()));
            prop_assert_eq!(ArxivId::parse(&format!("arXiv:{id}")), Ok(id.clone()));
            prop_assert_eq!(ArxivId::parse(&id.abs_url()), Ok(id.clone()));
            prop_assert_eq!(ArxivId::parse(&format!("{}.pdf", id.pdf_url())), Ok(id.clone()));
        }

        #[test]
        fn parsed_ids_display_in_canonical_form(s in "\\PC{0,40}") {
            if let Ok(id) = ArxivId::parse(&s) {
                prop_assert_eq!(ArxivId::parse(&id.to_string()), Ok(id));
            }
        }

        #[test]
        fn never_panics_on_strings(s in "\\PC{0,64}") {
            let _ = ArxivId::parse(&s);
        }

        #[test]
        fn never_panics_on_near_misses(
            s in "(arXiv:|https://arxiv\\.org/(abs|pdf)/)?[0-9a-zé.\\-/vV\u{1F600}]{0,20}"
        ) {
            let _ = ArxivId::parse(&s);
        }

        #[test]
        fn never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = ArxivId::parse(&String::from_utf8_lossy(&bytes));
        }
    }
}
