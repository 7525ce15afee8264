//! A paper as a BibTeX entry (`/papers/{id}.bib`), in arXiv's own style:
//! `@misc` with `eprint`, `archivePrefix` and `primaryClass`, for new-style
//! ids (`2407.21783`) and old-style ones (`hep-th/9901001`) alike.
//!
//! Titles and names are data: every LaTeX special (`\ { } $ & % # _ ~ ^`)
//! is escaped, so an entry always parses and never runs a command, and a
//! name containing the word "and" is braced so that BibTeX keeps it one
//! name. Math in a title (`$O(n^2)$`) comes out as its literal text.

use papers_core::Paper;

/// The paper as one BibTeX entry, ending with a newline.
pub(crate) fn paper_bibtex(p: &Paper) -> String {
    entry(p, &key(p))
}

/// Papers as one `.bib` file, in order, each key unique: a key met again
/// gets a letter (`lovelace2026scalinga`, `…b`), as bibliography tools do.
pub(crate) fn bibliography(papers: &[&Paper]) -> String {
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut out = String::new();
    for p in papers {
        let base = key(p);
        let n = seen.entry(base.clone()).or_insert(0);
        *n += 1;
        let key = if *n == 1 {
            base
        } else {
            // 2 → a, 3 → b, …; past z, the count itself.
            match u8::try_from(*n - 2).ok().filter(|k| *k < 26) {
                Some(k) => format!("{base}{}", char::from(b'a' + k)),
                None => format!("{base}{n}"),
            }
        };
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&entry(p, &key));
    }
    out
}

/// One entry under `key`.
fn entry(p: &Paper, key: &str) -> String {
    let id = p.id.base();
    let mut fields: Vec<(&str, String)> = vec![("title", escape(&p.title))];
    let authors: Vec<String> = p
        .authors
        .iter()
        .filter(|a| !a.hidden && !a.name.trim().is_empty())
        .map(|a| name(&a.name))
        .collect();
    if !authors.is_empty() {
        fields.push(("author", authors.join(" and ")));
    }
    fields.push(("year", year(p).to_string()));
    fields.push(("eprint", id.to_string()));
    fields.push(("archivePrefix", "arXiv".to_string()));
    if let Some(c) = p.categories.first() {
        fields.push(("primaryClass", escape(c)));
    }
    if let Some(doi) = &p.doi {
        fields.push(("doi", escape(doi)));
    }
    fields.push(("url", p.id.unversioned().abs_url()));
    let mut out = format!("@misc{{{key},\n");
    for (name, value) in fields {
        out.push_str(&format!("  {name} = {{{value}}},\n"));
    }
    out.push_str("}\n");
    out
}

/// The year: of `published_at`, else of the id (`YYMM…`, or the `YY` of
/// an old-style `archive/YYMMNNN`; old-style ids run from 1991).
fn year(p: &Paper) -> i16 {
    if let Some(t) = p.published_at {
        return jiff::tz::Offset::UTC.to_datetime(t).year();
    }
    let id = p.id.base();
    let digits = id.rsplit('/').next().unwrap_or(id);
    let yy: i16 = digits.get(..2).and_then(|s| s.parse().ok()).unwrap_or(0);
    if p.id.is_old_style() && yy >= 91 {
        1900 + yy
    } else {
        2000 + yy
    }
}

/// `lovelace2026scaling`: the first author's last name, the year and the
/// first title word of four letters or more, in ASCII letters; the id's
/// digits when there is no name.
fn key(p: &Paper) -> String {
    let letters = |s: &str| -> String {
        s.chars()
            .filter(char::is_ascii_alphabetic)
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    let last = p
        .authors
        .iter()
        .find(|a| !a.hidden)
        .and_then(|a| a.name.split_whitespace().last())
        .map(letters)
        .filter(|s| !s.is_empty());
    let word = p
        .title
        .split_whitespace()
        .map(letters)
        .find(|w| w.len() >= 4)
        .unwrap_or_default();
    match last {
        Some(last) => format!("{last}{}{word}", year(p)),
        None => format!(
            "arxiv{}",
            p.id.base()
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
        ),
    }
}

/// A name; braced whole when it holds the word "and".
fn name(n: &str) -> String {
    let escaped = escape(n);
    if n.split_whitespace().any(|w| w.eq_ignore_ascii_case("and")) {
        format!("{{{escaped}}}")
    } else {
        escaped
    }
}

/// Text with every LaTeX special escaped and whitespace (line breaks,
/// control characters) folded to single spaces.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        for c in word.chars() {
            match c {
                '\\' => out.push_str("\\textbackslash{}"),
                '~' => out.push_str("\\textasciitilde{}"),
                '^' => out.push_str("\\textasciicircum{}"),
                '{' | '}' | '$' | '&' | '%' | '#' | '_' => {
                    out.push('\\');
                    out.push(c);
                }
                c => out.push(c),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use papers_core::{ArxivId, Author};

    fn paper(id: &str, title: &str, authors: &[&str]) -> Paper {
        Paper {
            authors: authors
                .iter()
                .map(|n| Author {
                    name: (*n).to_string(),
                    ..Author::default()
                })
                .collect(),
            categories: vec!["cs.CL".into()],
            ..Paper::new(ArxivId::parse(id).unwrap(), title, "")
        }
    }

    #[test]
    fn new_style_id() {
        let p = paper(
            "2608.00004v2",
            "Scaling laws of language models",
            &["Ada Lovelace", "Alan Turing"],
        );
        assert_eq!(
            paper_bibtex(&p),
            "@misc{lovelace2026scaling,\n  title = {Scaling laws of language models},\n  \
             author = {Ada Lovelace and Alan Turing},\n  year = {2026},\n  eprint = {2608.00004},\n  \
             archivePrefix = {arXiv},\n  primaryClass = {cs.CL},\n  \
             url = {https://arxiv.org/abs/2608.00004},\n}\n"
        );
    }

    #[test]
    fn old_style_id_keeps_its_archive_and_century() {
        let p = paper("hep-th/9901001", "String duality", &["E. Witten"]);
        let bib = paper_bibtex(&p);
        assert!(bib.starts_with("@misc{witten1999string,\n"), "{bib}");
        assert!(bib.contains("  eprint = {hep-th/9901001},\n"), "{bib}");
        assert!(bib.contains("  year = {1999},\n"), "{bib}");
        let p = paper("math/0211159", "The entropy formula", &["G. Perelman"]);
        assert!(paper_bibtex(&p).contains("  year = {2002},\n"));
    }

    #[test]
    fn specials_are_escaped_and_names_with_and_stay_whole() {
        let p = paper(
            "2608.00001",
            "A $O(n^2)$ bound & 100% of {cases}: \\emph{x}_#1 ~ok^",
            &["Research and Development Team", "Zoë Ñandú"],
        );
        let bib = paper_bibtex(&p);
        assert!(
            bib.contains(
                "title = {A \\$O(n\\textasciicircum{}2)\\$ bound \\& 100\\% of \\{cases\\}: \
                 \\textbackslash{}emph\\{x\\}\\_\\#1 \\textasciitilde{}ok\\textasciicircum{}}"
            ),
            "{bib}"
        );
        assert!(
            bib.contains("author = {{Research and Development Team} and Zoë Ñandú}"),
            "{bib}"
        );
        // Braces balance: the entry is one group.
        let depth = bib.chars().try_fold(0i32, |d, c| match c {
            '{' => Some(d + 1),
            '}' if d > 0 => Some(d - 1),
            '}' => None,
            _ => Some(d),
        });
        assert!(depth.is_some(), "{bib}");
    }
}
