//! Who wrote what: the key that makes two spellings of a name one author
//! ([`author_key`]), and a reader's claim to be one of a paper's authors
//! ([`AuthorshipClaim`]), which an admin verifies or rejects.

use jiff::Timestamp;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// The key an author is known by: two names with the same key are one
/// author (one page at `/authors/{name}`). Compatibility-decomposed
/// (NFKD, so `ﬁ` is `fi` and full-width letters are ASCII), combining marks
/// dropped (`Gödel` is `godel`, whether the `ö` came composed or not),
/// lower-cased, runs of whitespace made one space, trimmed. Initials stay
/// what they are: `A. Turing` and `Alan Turing` are two keys.
pub fn author_key(name: &str) -> String {
    let folded: String = name
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A verified claim on one of a paper's authors: the account here that
/// is that author, and since when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedAuthor {
    pub username: String,
    pub verified_at: Timestamp,
}

/// Where a claim stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClaimStatus {
    /// Waiting for an admin.
    Pending,
    /// An admin agreed: the paper shows on the claimant's profile and the
    /// author entry says `claimed_verified`.
    Verified,
    Rejected,
}

impl ClaimStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimStatus::Pending => "pending",
            ClaimStatus::Verified => "verified",
            ClaimStatus::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<ClaimStatus> {
        match s {
            "pending" => Some(ClaimStatus::Pending),
            "verified" => Some(ClaimStatus::Verified),
            "rejected" => Some(ClaimStatus::Rejected),
            _ => None,
        }
    }
}

/// A reader's claim that they are the author `author_name` of a paper.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthorshipClaim {
    pub id: i64,
    pub user_id: i64,
    pub username: String,
    /// The paper's id, without a version.
    pub paper_id: String,
    /// The name as the paper lists it.
    pub author_name: String,
    pub status: ClaimStatus,
    pub created_at: Timestamp,
    /// When an admin verified or rejected it.
    pub decided_at: Option<Timestamp>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_name_share_a_key() {
        for same in [
            "Alan Turing",
            "alan  turing",
            " ALAN\tTuring ",
            "Alan\u{a0}Turing",
            "Ａｌａｎ Ｔｕｒｉｎｇ",
        ] {
            assert_eq!(author_key(same), "alan turing", "{same:?}");
        }
        // Composed and decomposed diacritics, and none at all.
        let composed = "Kurt G\u{f6}del";
        let decomposed = "Kurt Go\u{308}del";
        assert_eq!(author_key(composed), author_key(decomposed));
        assert_eq!(author_key(composed), author_key("Kurt Godel"));
        assert_eq!(author_key("José  Núñez"), "jose nunez");
        assert_eq!(author_key("Łukasz Kaiser"), "łukasz kaiser");
        // Initials are not expanded.
        assert_ne!(author_key("A. Turing"), author_key("Alan Turing"));
        assert_eq!(author_key("  "), "");
        assert_eq!(author_key("<b>&amp;</b>"), "<b>&amp;</b>");
        assert_eq!(author_key("李 飞飞"), "李 飞飞");
    }

    #[test]
    fn claim_statuses_round_trip() {
        for s in [
            ClaimStatus::Pending,
            ClaimStatus::Verified,
            ClaimStatus::Rejected,
        ] {
            assert_eq!(ClaimStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(ClaimStatus::parse("claimed"), None);
    }
}
