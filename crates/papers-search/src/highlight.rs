//! Where a query's words fall in a paper's title and abstract, as Hugging
//! Face's search answers them: the whole text cut into segments, plain or
//! highlighted, that join back to the text exactly. The words are found by
//! tantivy's [`SnippetGenerator`] with the index's own analyzer (stemming
//! included), so `models` in a title is marked for the query `model`.
//!
//! Segments are plain text, never markup: whoever shows them escapes them
//! for their medium, and a title holding `<script>` stays text.

use std::collections::BTreeMap;
use std::ops::Range;

use tantivy::snippet::SnippetGenerator;

/// One piece of a highlighted text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    /// A word of the query (after analysis) matched here.
    pub highlighted: bool,
    pub text: String,
}

/// Marks a query's words in titles and abstracts. Made by
/// [`crate::KeywordIndex::highlighter`] for one query; cheap to use for
/// every result of that query.
pub struct Highlighter {
    pub(crate) title: SnippetGenerator,
    pub(crate) abstract_text: SnippetGenerator,
}

impl std::fmt::Debug for Highlighter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Highlighter").finish_non_exhaustive()
    }
}

/// A generator for the whole text: one fragment, however long.
pub(crate) fn whole_text(mut generator: SnippetGenerator) -> SnippetGenerator {
    generator.set_max_num_chars(usize::MAX);
    generator
}

/// A generator that marks nothing (a query with no words to find).
pub(crate) fn marking_nothing(
    tokenizer: tantivy::tokenizer::TextAnalyzer,
    field: tantivy::schema::Field,
) -> SnippetGenerator {
    SnippetGenerator::new(BTreeMap::new(), tokenizer, field, usize::MAX)
}

impl Highlighter {
    /// The title, cut where the query's words are.
    pub fn title(&self, text: &str) -> Vec<Segment> {
        mark(&self.title, text)
    }

    /// The abstract, cut where the query's words are.
    pub fn summary(&self, text: &str) -> Vec<Segment> {
        mark(&self.abstract_text, text)
    }
}

fn mark(generator: &SnippetGenerator, text: &str) -> Vec<Segment> {
    let snippet = generator.snippet(text);
    let start = snippet.fragment_range().start;
    let hits: Vec<Range<usize>> = snippet
        .highlighted()
        .iter()
        .map(|r| r.start + start..r.end + start)
        .collect();
    segments(text, &hits)
}

/// `text` cut at `hits` (byte ranges, in order, not overlapping): plain and
/// highlighted segments that join back to `text`. A range that is out of
/// order, out of bounds or not on character boundaries is ignored. An empty
/// text has no segments.
pub fn segments(text: &str, hits: &[Range<usize>]) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut at = 0;
    let mut push = |highlighted: bool, piece: &str| {
        if !piece.is_empty() {
            out.push(Segment {
                highlighted,
                text: piece.to_string(),
            });
        }
    };
    for hit in hits {
        let (Some(before), Some(word)) = (text.get(at..hit.start), text.get(hit.start..hit.end))
        else {
            continue;
        };
        push(false, before);
        push(true, word);
        at = hit.end;
    }
    push(false, text.get(at..).unwrap_or(""));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `hits` as (start, end) byte offsets.
    fn check(text: &str, hits: &[(usize, usize)], expected: &[(bool, &str)]) {
        let hits: Vec<Range<usize>> = hits.iter().map(|&(a, b)| a..b).collect();
        let got = segments(text, &hits);
        let got: Vec<(bool, &str)> = got
            .iter()
            .map(|s| (s.highlighted, s.text.as_str()))
            .collect();
        assert_eq!(got, expected, "{text:?} {hits:?}");
    }

    #[test]
    fn cuts_text_into_segments_that_join_back() {
        check("", &[], &[]);
        check("plain", &[], &[(false, "plain")]);
        check(
            "a graph net",
            &[(2, 7)],
            &[(false, "a "), (true, "graph"), (false, " net")],
        );
        check("graph", &[(0, 5)], &[(true, "graph")]);
        check(
            "réseau de graphes",
            &[(0, 7), (11, 18)],
            &[(true, "réseau"), (false, " de "), (true, "graphes")],
        );
        // Not on a character boundary, out of bounds, out of order: ignored.
        check("réseau", &[(1, 2)], &[(false, "réseau")]);
        check("abc", &[(2, 9)], &[(false, "abc")]);
        check("ab cd", &[(3, 5), (0, 2)], &[(false, "ab "), (true, "cd")]);
    }
}
