//! Links taken from data (a paper's GitHub repository, its project page, a
//! listing's thumbnail) end up as `href`s and `src`s. Only absolute `http://`
//! and `https://` URLs are let through: `javascript:`, `data:`, relative and
//! scheme-relative links are refused. The check is the one place every
//! source's links pass through ([`http_url`]), and it uses a real URL parser
//! (the WHATWG one browsers use), so what is accepted here is what a browser
//! will resolve to an http(s) URL.

use url::Url;

/// Why a link was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an http(s) URL: {input:?} ({reason})")]
pub struct LinkError {
    pub input: String,
    pub reason: &'static str,
}

/// The longest link kept; anything longer is refused rather than stored.
pub const MAX_LINK_LEN: usize = 2048;

/// Checks that `input` (trimmed) is an absolute URL written with `http://`
/// or `https://` (any case) and with a host, and returns it trimmed but otherwise as written (so
/// `https://example.org` stays without a trailing slash).
///
/// Refused: other schemes (`javascript:`, `data:`, `file:`, `mailto:`),
/// relative and scheme-relative links (`/x`, `//host/x`), control characters
/// anywhere (a browser silently drops tabs and newlines, so `java\tscript:`
/// must not sneak past a textual check), and links over [`MAX_LINK_LEN`]
/// bytes.
pub fn parse_http_url(input: &str) -> Result<String, LinkError> {
    let err = |reason| LinkError {
        input: input.to_string(),
        reason,
    };
    let s = input.trim();
    if s.is_empty() {
        return Err(err("empty"));
    }
    if s.len() > MAX_LINK_LEN {
        return Err(err("too long"));
    }
    if s.chars().any(char::is_control) {
        return Err(err("contains control characters"));
    }
    // Checked on the text as well as on the parse. The parser (like a
    // browser) also reads `https:/host`, `https:host` and `https:\\host` as
    // https URLs; those are refused too, so that every kept link visibly
    // starts with `http://` or `https://` and a later textual check agrees.
    let starts_with = |prefix: &str| {
        s.split_at_checked(prefix.len())
            .is_some_and(|(head, _)| head.eq_ignore_ascii_case(prefix))
    };
    if !(starts_with("http://") || starts_with("https://")) {
        return Err(err("the scheme is not http or https"));
    }
    let url = Url::parse(s).map_err(|_| err("not a valid URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(err("the scheme is not http or https"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(err("no host"));
    }
    Ok(s.to_string())
}

/// [`parse_http_url`], for callers that only keep or drop the link.
pub fn http_url(input: &str) -> Option<String> {
    parse_http_url(input).ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn keeps_http_and_https_links_as_written() {
        for ok in [
            "https://github.com/x/y",
            "http://example.org",
            "HTTPS://Example.org/a?b=c#d",
            "https://swescience.github.io",
            "https://[::1]:8080/x",
            "https://例え.jp/パス",
        ] {
            assert_eq!(http_url(ok).as_deref(), Some(ok), "{ok}");
        }
        assert_eq!(
            http_url("  https://envharness.com/ \n").as_deref(),
            Some("https://envharness.com/")
        );
    }

    #[test]
    fn refuses_everything_else() {
        for bad in [
            "",
            "   ",
            "javascript:alert(document.domain)",
            "JavaScript:alert(1)",
            " javascript:alert(1)",
            "java\tscript:alert(1)",
            "java\nscript:alert(1)",
            "\u{1}javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:msgbox(1)",
            "file:///etc/passwd",
            "mailto:a@b.c",
            "//evil.example/x",
            "/relative/path",
            "github.com/x/y",
            "https://",
            "http:",
            "https://exa mple.com",
            "https://a\u{0}b.com",
            // Found by fuzzing: browsers read these as https URLs, but they
            // do not start with `https://`, so a textual check would disagree.
            "HTTPS:xamropel.g/a?b#c",
            "https:/uuuuuuuuuuuuuu/e00Z",
            "https:/,github.com/x/y#",
            "https:\\\\evil.example",
            "http:evil.example",
        ] {
            assert!(http_url(bad).is_none(), "{bad:?} should be refused");
        }
        assert!(http_url(&format!("https://a.com/{}", "x".repeat(MAX_LINK_LEN))).is_none());
        let e = parse_http_url("javascript:alert(1)").unwrap_err();
        assert_eq!(e.reason, "the scheme is not http or https");
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    fn is_http(s: &str) -> bool {
        let lower = s.get(..8).unwrap_or(s).to_ascii_lowercase();
        lower.starts_with("http://") || lower.starts_with("https://")
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn kept_links_are_http_and_stable(s in "\\PC{0,64}") {
            if let Some(url) = http_url(&s) {
                prop_assert!(is_http(&url));
                prop_assert_eq!(http_url(&url), Some(url));
            }
        }

        #[test]
        fn other_schemes_are_refused(
            scheme in "[a-zA-Z][a-zA-Z0-9+.-]{0,10}",
            rest in "[ -~]{0,30}",
        ) {
            let lower = scheme.to_ascii_lowercase();
            prop_assume!(lower != "http" && lower != "https");
            prop_assert_eq!(http_url(&format!("{scheme}:{rest}")), None);
        }

        #[test]
        fn links_without_two_slashes_are_refused(
            scheme in "[hH][tT][tT][pP][sS]?",
            sep in proptest::sample::select(vec!["", "/", "\\\\", "\\\\/", "/\\\\", " //"]),
            rest in "[a-z0-9][ -~]{0,20}",
        ) {
            prop_assert_eq!(http_url(&format!("{scheme}:{sep}{rest}")), None);
        }

        #[test]
        fn http_links_with_a_host_are_kept(
            https in any::<bool>(),
            host in "[a-z][a-z0-9-]{0,20}(\\.[a-z]{2,6}){0,2}",
            path in "(/[A-Za-z0-9._~-]{0,12}){0,4}",
        ) {
            let url = format!("http{}://{host}{path}", if https { "s" } else { "" });
            prop_assert_eq!(http_url(&url), Some(url));
        }
    }
}
