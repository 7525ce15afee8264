//! The mails Daily Papers sends, each a subject, a text and an HTML template in
//! `templates/<kind>/`: the subscription confirmation (double opt-in), the
//! digest, and the password reset. Composition is pure: data and the time in,
//! an [`OutgoingMail`] out.

use std::fmt::Write as _;
use std::time::Duration;

use askama::Template;
use jiff::Timestamp;
use jiff::civil::Date;
use lettre::Address;
use lettre::message::Mailbox;
use papers_core::ArxivId;
use sha2::{Digest as _, Sha256};

use crate::message::{LIST_UNSUBSCRIBE, LIST_UNSUBSCRIBE_POST, OutgoingMail, one_line};

/// How long a digest's abstract may be, in characters, before it is cut at a
/// word boundary.
pub const DIGEST_ABSTRACT_CHARS: usize = 300;

/// What every mail needs from the configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailSettings {
    /// The sender, e.g. `Daily Papers <papers@example.com>`.
    pub from: Mailbox,
    /// The site's public URL without a trailing slash, e.g.
    /// `https://papers.example.com`.
    pub base_url: String,
}

impl MailSettings {
    /// Parses the sender and normalises the base URL.
    pub fn new(from: &str, base_url: &str) -> Result<Self, ComposeError> {
        let from = from
            .parse::<Mailbox>()
            .map_err(|e| ComposeError::Settings {
                reason: format!("sender {from:?} is not a mail address: {e}"),
            })?;
        let base_url = base_url.trim().trim_end_matches('/').to_string();
        if !(base_url.starts_with("https://") || base_url.starts_with("http://")) {
            return Err(ComposeError::Settings {
                reason: format!("base URL {base_url:?} must start with http:// or https://"),
            });
        }
        Ok(MailSettings { from, base_url })
    }

    fn paper_url(&self, id: &ArxivId) -> String {
        format!(
            "{}/papers/{}",
            self.base_url.trim_end_matches('/'),
            id.base()
        )
    }
}

/// Why a mail could not be composed.
#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    /// The recipient's address does not parse: the user's fault (a typo at
    /// sign-up), so the caller should show it to them or drop the address.
    #[error("{address:?} is not a valid mail address: {reason}")]
    InvalidAddress { address: String, reason: String },
    /// A digest with no papers; it is never sent.
    #[error("the digest has no papers; an empty digest is never sent")]
    EmptyDigest,
    /// The mail settings are wrong: ours.
    #[error("mail settings: {reason}")]
    Settings { reason: String },
    /// A template failed to render: ours.
    #[error("rendering a mail template: {0}")]
    Template(#[from] askama::Error),
}

/// One paper in a digest.
#[derive(Clone, Debug, PartialEq)]
pub struct DigestItem {
    pub id: ArxivId,
    pub title: String,
    pub abstract_text: String,
    pub authors_count: usize,
    pub upvotes: i64,
    /// `owner/repo` or a full URL (`https://github.com/owner/repo`).
    pub github_repo: Option<String>,
    pub github_stars: Option<i64>,
}

/// A digest for one subscriber and one period.
///
/// The subject and heading are `"{subscription_label} — {period_label}"`, so
/// pass `"Trending papers"` and `"Aug 21, 2026"` for the daily trending mail,
/// or `"Your weekly digest: diffusion"` and `"week of Aug 17, 2026"` for a
/// saved query ([`day_label`] and [`week_label`] make the period labels).
#[derive(Clone, Debug, PartialEq)]
pub struct Digest {
    pub subscriber_email: String,
    pub period_label: String,
    pub subscription_label: String,
    pub items: Vec<DigestItem>,
    pub manage_url: String,
    /// The one-click unsubscribe URL (with its token), used in the body and in
    /// `List-Unsubscribe`.
    pub unsubscribe_url: String,
}

/// A double opt-in confirmation request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Confirmation {
    pub subscriber_email: String,
    /// What they subscribed to, e.g. `"Trending papers, daily"`.
    pub subscription_label: String,
    pub confirm_url: String,
}

/// A password reset link with a single-use token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PasswordReset {
    pub account_email: String,
    pub username: String,
    pub reset_url: String,
    /// How long the link works, said in the mail ("1 hour").
    pub valid_for: Duration,
}

/// `Aug 21, 2026`
pub fn day_label(day: Date) -> String {
    day.strftime("%b %-d, %Y").to_string()
}

/// `week of Aug 17, 2026`, from the week's first day.
pub fn week_label(first_day: Date) -> String {
    format!("week of {}", day_label(first_day))
}

// ---------------------------------------------------------------------------
// Views and templates

struct CodeView {
    url: String,
    name: String,
    stars: Option<String>,
}

struct ItemView {
    rank: usize,
    title: String,
    abstract_short: String,
    authors_label: String,
    upvotes: String,
    url: String,
    code: Option<CodeView>,
}

struct DigestView<'a> {
    heading: String,
    subscription_label: String,
    items: Vec<ItemView>,
    base_url: &'a str,
    manage_url: &'a str,
    unsubscribe_url: &'a str,
}

#[derive(Template)]
#[template(path = "digest/subject.txt")]
struct DigestSubject<'a> {
    v: &'a DigestView<'a>,
}

#[derive(Template)]
#[template(path = "digest/body.txt")]
struct DigestText<'a> {
    v: &'a DigestView<'a>,
}

#[derive(Template)]
#[template(path = "digest/body.html")]
struct DigestHtml<'a> {
    v: &'a DigestView<'a>,
}

struct ConfirmationView<'a> {
    subscription_label: String,
    confirm_url: &'a str,
    base_url: &'a str,
}

/// A fixed subject: the requester chose what is subscribed (a saved search's
/// text, say), and nobody may put their words in a stranger's inbox subject.
#[derive(Template)]
#[template(path = "confirmation/subject.txt")]
struct ConfirmationSubject;

#[derive(Template)]
#[template(path = "confirmation/body.txt")]
struct ConfirmationText<'a> {
    v: &'a ConfirmationView<'a>,
}

#[derive(Template)]
#[template(path = "confirmation/body.html")]
struct ConfirmationHtml<'a> {
    v: &'a ConfirmationView<'a>,
}

struct PasswordResetView<'a> {
    username: String,
    reset_url: &'a str,
    valid_for: String,
    base_url: &'a str,
}

#[derive(Template)]
#[template(path = "password_reset/subject.txt")]
struct PasswordResetSubject;

#[derive(Template)]
#[template(path = "password_reset/body.txt")]
struct PasswordResetText<'a> {
    v: &'a PasswordResetView<'a>,
}

#[derive(Template)]
#[template(path = "password_reset/body.html")]
struct PasswordResetHtml<'a> {
    v: &'a PasswordResetView<'a>,
}

// ---------------------------------------------------------------------------
// Composition

/// Composes a digest. An empty digest is refused with
/// [`ComposeError::EmptyDigest`]: it is never sent.
///
/// The mail carries `List-Unsubscribe: <unsubscribe_url>` and
/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058). Its
/// Message-ID is derived from the subscriber, subscription and period, so the
/// same digest always has the same id.
pub fn compose_digest(
    digest: &Digest,
    settings: &MailSettings,
    now: Timestamp,
) -> Result<OutgoingMail, ComposeError> {
    if digest.items.is_empty() {
        return Err(ComposeError::EmptyDigest);
    }
    let to = recipient(&digest.subscriber_email)?;
    let view = DigestView {
        heading: one_line(&format!(
            "{} — {}",
            digest.subscription_label, digest.period_label
        )),
        subscription_label: one_line(&digest.subscription_label),
        items: digest
            .items
            .iter()
            .enumerate()
            .map(|(i, item)| item_view(i + 1, item, settings))
            .collect(),
        base_url: &settings.base_url,
        manage_url: &digest.manage_url,
        unsubscribe_url: &digest.unsubscribe_url,
    };
    let subject = one_line(&DigestSubject { v: &view }.render()?);
    let text = DigestText { v: &view }.render()?;
    let html = DigestHtml { v: &view }.render()?;
    let message_id = message_id(
        "digest",
        settings,
        &[
            &digest.subscriber_email,
            &digest.subscription_label,
            &digest.period_label,
        ],
    );
    Ok(OutgoingMail {
        to,
        from: settings.from.clone(),
        subject,
        text,
        html,
        date: now,
        message_id,
        headers: vec![
            (
                LIST_UNSUBSCRIBE.to_string(),
                format!("<{}>", digest.unsubscribe_url),
            ),
            (
                LIST_UNSUBSCRIBE_POST.to_string(),
                "List-Unsubscribe=One-Click".to_string(),
            ),
        ],
    })
}

/// Composes the double opt-in mail: a confirm link, and the promise that
/// nothing else is sent until it is clicked.
pub fn compose_confirmation(
    confirmation: &Confirmation,
    settings: &MailSettings,
    now: Timestamp,
) -> Result<OutgoingMail, ComposeError> {
    let to = recipient(&confirmation.subscriber_email)?;
    let view = ConfirmationView {
        subscription_label: one_line(&confirmation.subscription_label),
        confirm_url: &confirmation.confirm_url,
        base_url: &settings.base_url,
    };
    Ok(OutgoingMail {
        to,
        from: settings.from.clone(),
        subject: one_line(&ConfirmationSubject.render()?),
        text: ConfirmationText { v: &view }.render()?,
        html: ConfirmationHtml { v: &view }.render()?,
        date: now,
        message_id: message_id(
            "confirm",
            settings,
            &[&confirmation.subscriber_email, &confirmation.confirm_url],
        ),
        headers: vec![("Auto-Submitted".into(), "auto-generated".into())],
    })
}

/// Composes a password reset mail with its single-use link.
pub fn compose_password_reset(
    reset: &PasswordReset,
    settings: &MailSettings,
    now: Timestamp,
) -> Result<OutgoingMail, ComposeError> {
    let to = recipient(&reset.account_email)?;
    let view = PasswordResetView {
        username: one_line(&reset.username),
        reset_url: &reset.reset_url,
        valid_for: human_duration(reset.valid_for),
        base_url: &settings.base_url,
    };
    Ok(OutgoingMail {
        to,
        from: settings.from.clone(),
        subject: one_line(&PasswordResetSubject.render()?),
        text: PasswordResetText { v: &view }.render()?,
        html: PasswordResetHtml { v: &view }.render()?,
        date: now,
        message_id: message_id("reset", settings, &[&reset.account_email, &reset.reset_url]),
        headers: vec![("Auto-Submitted".into(), "auto-generated".into())],
    })
}

fn recipient(address: &str) -> Result<Mailbox, ComposeError> {
    address
        .trim()
        .parse::<Address>()
        .map(|a| Mailbox::new(None, a))
        .map_err(|e| ComposeError::InvalidAddress {
            address: address.to_string(),
            reason: e.to_string(),
        })
}

fn item_view(rank: usize, item: &DigestItem, settings: &MailSettings) -> ItemView {
    let authors_label = match item.authors_count {
        1 => "1 author".to_string(),
        n => format!("{} authors", thousands(n as i64)),
    };
    ItemView {
        rank,
        title: one_line(&item.title),
        abstract_short: shorten(&item.abstract_text, DIGEST_ABSTRACT_CHARS),
        authors_label,
        upvotes: thousands(item.upvotes),
        url: settings.paper_url(&item.id),
        code: item.github_repo.as_deref().and_then(|repo| {
            let (url, name) = code_link(repo)?;
            Some(CodeView {
                url,
                name,
                stars: item.github_stars.map(thousands),
            })
        }),
    }
}

/// A GitHub link and its short name, from `owner/repo` or a URL. Anything that
/// is not http(s) is treated as a repository path under github.com, so a
/// `javascript:` value can never become a link of its own.
fn code_link(repo: &str) -> Option<(String, String)> {
    let repo = repo.trim();
    if repo.is_empty() {
        return None;
    }
    if repo.starts_with("https://") || repo.starts_with("http://") {
        let name = repo
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .trim_start_matches("www.")
            .trim_start_matches("github.com/")
            .trim_end_matches('/')
            .trim_end_matches(".git")
            .to_string();
        Some((repo.to_string(), name))
    } else {
        let path = repo.trim_matches('/');
        Some((format!("https://github.com/{path}"), path.to_string()))
    }
}

/// Collapses whitespace and cuts to at most `max` characters at a word
/// boundary, ending with `…` when something was cut.
pub fn shorten(text: &str, max: usize) -> String {
    let collapsed = one_line(text);
    if collapsed.chars().count() <= max {
        return collapsed;
    }
    // The byte offset of the first character past the limit.
    let limit = collapsed
        .char_indices()
        .nth(max)
        .map_or(collapsed.len(), |(i, _)| i);
    let head = &collapsed[..limit];
    // Cut at the last space if it keeps most of the text; a single very long
    // "word" (a URL, say) is cut where it is.
    let cut = match head.rfind(' ') {
        Some(i) if i >= limit / 2 => &head[..i],
        _ => head,
    };
    let cut = cut.trim_end_matches(|c: char| c.is_whitespace() || ",;:-—(".contains(c));
    format!("{cut}…")
}

/// `1234567` → `1,234,567`.
fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `1 hour`, `30 minutes`, `2 days`.
fn human_duration(d: Duration) -> String {
    let minutes = d.as_secs().div_ceil(60).max(1);
    let (n, unit) = if minutes.is_multiple_of(24 * 60) {
        (minutes / (24 * 60), "day")
    } else if minutes.is_multiple_of(60) {
        (minutes / 60, "hour")
    } else {
        (minutes, "minute")
    };
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

/// `<kind.HEX@domain>`, the same for the same parts: a stable id lets a digest
/// sent twice be recognised as one.
fn message_id(kind: &str, settings: &MailSettings, parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    let hash = hasher.finalize();
    let mut hex = String::with_capacity(32);
    for b in &hash[..16] {
        let _ = write!(hex, "{b:02x}");
    }
    format!("<{kind}.{hex}@{}>", settings.from.email.domain())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortens_at_a_word_boundary() {
        assert_eq!(shorten("short  text\nhere", 300), "short text here");
        let long = "word ".repeat(100);
        let s = shorten(&long, 300);
        assert!(s.ends_with("word…"), "{s}");
        assert!(s.chars().count() <= 301);
        assert_eq!(shorten("abcdefghij", 5), "abcde…");
        assert_eq!(shorten("aaa bbb, ccc", 9), "aaa bbb…");
        // Multi-byte characters are counted as characters, not bytes.
        let greek = "αβγ ".repeat(100);
        assert!(shorten(&greek, 300).chars().count() <= 301);
    }

    #[test]
    fn formats_numbers_and_durations() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(-1234), "-1,234");
        assert_eq!(human_duration(Duration::from_secs(3600)), "1 hour");
        assert_eq!(human_duration(Duration::from_secs(1800)), "30 minutes");
        assert_eq!(human_duration(Duration::from_secs(2 * 86400)), "2 days");
    }

    #[test]
    fn links_code_safely() {
        assert_eq!(
            code_link("https://github.com/owner/repo"),
            Some(("https://github.com/owner/repo".into(), "owner/repo".into()))
        );
        assert_eq!(
            code_link("owner/repo"),
            Some(("https://github.com/owner/repo".into(), "owner/repo".into()))
        );
        assert_eq!(
            code_link("javascript:alert(1)").map(|(u, _)| u),
            Some("https://github.com/javascript:alert(1)".into())
        );
        assert_eq!(code_link("  "), None);
    }

    #[test]
    fn labels_days_and_weeks() {
        let day: Date = "2026-08-21".parse().unwrap();
        assert_eq!(day_label(day), "Aug 21, 2026");
        let monday: Date = "2026-08-03".parse().unwrap();
        assert_eq!(week_label(monday), "week of Aug 3, 2026");
    }

    #[test]
    fn settings_refuse_bad_values() {
        assert!(MailSettings::new("not an address", "https://x.org").is_err());
        assert!(MailSettings::new("a@x.org", "x.org").is_err());
        let s = MailSettings::new("Daily Papers <a@x.org>", "https://x.org/").unwrap();
        assert_eq!(s.base_url, "https://x.org");
    }
}
