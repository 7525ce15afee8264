//! [`SearchDoc`]: the part of a paper that search indexes.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use papers_core::Paper;

/// What the search indexes know of one paper.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchDoc {
    /// The paper id (the unversioned arXiv id for papers).
    pub id: String,
    pub title: String,
    pub abstract_text: String,
    pub authors: Vec<String>,
    /// arXiv categories, e.g. `cs.CL`.
    pub categories: Vec<String>,
    /// The first-version date, in UTC.
    pub published: Option<Date>,
}

impl SearchDoc {
    /// A document with only an id, a title and an abstract.
    pub fn new(
        id: impl Into<String>,
        title: impl Into<String>,
        abstract_text: impl Into<String>,
    ) -> Self {
        SearchDoc {
            id: id.into(),
            title: title.into(),
            abstract_text: abstract_text.into(),
            authors: Vec::new(),
            categories: Vec::new(),
            published: None,
        }
    }

    /// The text the embedder sees: `title + ". " + abstract`.
    pub fn embedding_text(&self) -> String {
        crate::embed::document_text(&self.title, &self.abstract_text)
    }
}

impl From<&Paper> for SearchDoc {
    fn from(paper: &Paper) -> Self {
        SearchDoc {
            id: paper.id.base().to_string(),
            title: paper.title.clone(),
            abstract_text: paper.abstract_text.clone(),
            authors: paper.authors.iter().map(|a| a.name.clone()).collect(),
            categories: paper.categories.clone(),
            published: paper
                .published_at
                .map(|ts| ts.to_zoned_datetime(TimeZone::UTC).date()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use papers_core::{ArxivId, Author};

    #[test]
    fn from_paper_takes_the_unversioned_id_and_the_utc_date() {
        let mut paper = Paper::new(
            ArxivId::parse("2410.12345v3").unwrap(),
            "A title",
            "An abstract",
        );
        paper.authors = vec![Author::named("Ada Lovelace")];
        paper.categories = vec!["cs.CL".into()];
        paper.published_at = Some("2024-10-16T23:30:00Z".parse().unwrap());
        let doc = SearchDoc::from(&paper);
        assert_eq!(doc.id, "2410.12345");
        assert_eq!(doc.authors, vec!["Ada Lovelace"]);
        assert_eq!(doc.published, Some(jiff::civil::date(2024, 10, 16)));
        assert_eq!(doc.embedding_text(), "A title. An abstract");
    }
}
