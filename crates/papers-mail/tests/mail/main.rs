#![allow(clippy::unwrap_used)]
//! papers-mail's integration tests, one binary: composition, the memory and
//! outbox backends, retry rules against stand-in SMTP servers, and a real
//! SMTP round trip through aiosmtpd on loopback.

mod backends;
mod compose;
mod retry;
mod smtp_sink;
mod snapshots;

use jiff::Timestamp;
use mail_parser::{MessageParser, MimeHeaders};
use papers_core::ArxivId;
use papers_mail::{Digest, DigestItem, MailSettings};

pub const UNSUBSCRIBE_URL: &str = "https://papers.example.com/unsubscribe?token=tok_abc123";
pub const MANAGE_URL: &str = "https://papers.example.com/subscriptions?token=tok_abc123";

pub fn now() -> Timestamp {
    "2026-08-21T06:00:00Z".parse().unwrap()
}

pub fn settings() -> MailSettings {
    MailSettings::new(
        "Daily Papers <papers@example.com>",
        "https://papers.example.com/",
    )
    .unwrap()
}

pub fn item(id: &str, title: &str) -> DigestItem {
    DigestItem {
        id: ArxivId::parse(id).unwrap(),
        title: title.to_string(),
        abstract_text: "We study how models learn.".to_string(),
        authors_count: 3,
        upvotes: 42,
        github_repo: None,
        github_stars: None,
    }
}

pub fn digest(items: Vec<DigestItem>) -> Digest {
    Digest {
        subscriber_email: "ada@example.org".to_string(),
        period_label: "Aug 21, 2026".to_string(),
        subscription_label: "Trending papers".to_string(),
        items,
        manage_url: MANAGE_URL.to_string(),
        unsubscribe_url: UNSUBSCRIBE_URL.to_string(),
    }
}

/// What a received message says, decoded.
#[derive(Debug)]
pub struct Received {
    pub from: String,
    pub to: String,
    pub subject: String,
    pub list_unsubscribe: String,
    pub list_unsubscribe_post: String,
    pub text: String,
    pub html: String,
}

/// Parses RFC 5322 bytes, insisting on a text/plain and a text/html part.
pub fn parse(raw: &[u8]) -> Received {
    let msg = MessageParser::default()
        .parse(raw)
        .expect("a parseable message");
    let header = |name: &str| {
        msg.header_raw(name)
            .unwrap_or_else(|| panic!("no {name} header"))
            .trim()
            .to_string()
    };
    let part_of = |ids: &[u32], subtype: &str| {
        let id = *ids.first().unwrap_or_else(|| panic!("no {subtype} body"));
        let part = msg.part(id).unwrap();
        let ct = part.content_type().unwrap();
        assert_eq!(ct.ctype(), "text");
        assert_eq!(ct.subtype(), Some(subtype), "part {id}");
        assert!(
            ct.attribute("charset")
                .unwrap()
                .eq_ignore_ascii_case("utf-8"),
            "{ct:?}"
        );
        part.text_contents().unwrap().to_string()
    };
    let ct = msg.content_type().unwrap();
    assert_eq!(
        (ct.ctype(), ct.subtype()),
        ("multipart", Some("alternative"))
    );
    Received {
        from: msg
            .from()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .unwrap()
            .to_string(),
        to: msg
            .to()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .unwrap()
            .to_string(),
        subject: msg.subject().unwrap().to_string(),
        list_unsubscribe: header("List-Unsubscribe"),
        list_unsubscribe_post: header("List-Unsubscribe-Post"),
        text: part_of(&msg.text_body, "plain"),
        html: part_of(&msg.html_body, "html"),
    }
}

/// The checks every delivered digest must pass.
pub fn assert_is_the_sample_digest(received: &Received) {
    assert_eq!(received.from, "papers@example.com");
    assert_eq!(received.to, "ada@example.org");
    assert_eq!(received.subject, "Trending papers — Aug 21, 2026");
    assert_eq!(received.list_unsubscribe, format!("<{UNSUBSCRIBE_URL}>"));
    assert_eq!(received.list_unsubscribe_post, "List-Unsubscribe=One-Click");
    assert!(received.text.contains(UNSUBSCRIBE_URL), "{}", received.text);
    assert!(
        received
            .html
            .contains(&UNSUBSCRIBE_URL.replace('&', "&amp;")),
        "{}",
        received.html
    );
    assert!(
        received
            .text
            .contains("https://papers.example.com/papers/2410.12345")
    );
    assert!(
        received
            .html
            .contains("https://papers.example.com/papers/2410.12345")
    );
}
