//! Making text safe for XML and HTML.

/// Drops the characters XML 1.0 does not allow (`Char` production): control
/// characters other than tab, LF and CR, lone surrogates (impossible in a Rust
/// string) and U+FFFE/U+FFFF. A feed with one of them is not well-formed.
pub(crate) fn xml_safe(s: &str) -> String {
    s.chars().filter(|&c| is_xml_char(c)).collect()
}

fn is_xml_char(c: char) -> bool {
    matches!(c,
        '\u{9}' | '\u{A}' | '\u{D}'
        | '\u{20}'..='\u{D7FF}'
        | '\u{E000}'..='\u{FFFD}'
        | '\u{10000}'..='\u{10FFFF}')
}

/// Escapes text for use as HTML (the RSS `description` is HTML by custom).
pub(crate) fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_what_xml_forbids() {
        assert_eq!(
            xml_safe("a\u{0}b\u{1}c\td\ne\u{FFFE}f\u{7F}"),
            "abc\td\nef\u{7F}"
        );
        assert_eq!(xml_safe("αβγ 𝔸"), "αβγ 𝔸");
    }

    #[test]
    fn escapes_html() {
        assert_eq!(
            html_escape(r#"<script>"x" & 'y'</script>"#),
            "&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;"
        );
    }
}
