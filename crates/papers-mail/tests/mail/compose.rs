//! Composition: what each mail says, and that nothing a paper contains can
//! become markup.

use std::time::Duration;

use papers_mail::{
    ComposeError, Confirmation, LIST_UNSUBSCRIBE, LIST_UNSUBSCRIBE_POST, PasswordReset,
    compose_confirmation, compose_digest, compose_password_reset,
};

use crate::{MANAGE_URL, UNSUBSCRIBE_URL, digest, item, now, parse, settings};

/// True when `html` holds `raw` HTML-escaped, with named (`&lt;`) or numeric
/// (`&#60;`) references.
fn contains_escaped(html: &str, raw: &str) -> bool {
    let escape = |named: bool| {
        let mut out = String::new();
        for c in raw.chars() {
            match (c, named) {
                ('&', true) => out.push_str("&amp;"),
                ('<', true) => out.push_str("&lt;"),
                ('>', true) => out.push_str("&gt;"),
                ('"', true) => out.push_str("&quot;"),
                ('\'', true) => out.push_str("&#x27;"),
                ('&' | '<' | '>' | '"' | '\'', false) => out.push_str(&format!("&#{};", c as u32)),
                _ => out.push(c),
            }
        }
        out
    };
    html.contains(&escape(true)) || html.contains(&escape(false))
}

#[test]
fn a_digest_lists_each_paper_with_its_facts() {
    let mut first = item("2410.12345v2", "Scaling Laws for Cats");
    first.abstract_text = "word ".repeat(200);
    first.authors_count = 12;
    first.upvotes = 1234;
    first.github_repo = Some("https://github.com/cats/scaling".into());
    first.github_stars = Some(5678);
    let mut second = item("2410.00001", "A Single-Author Note");
    second.authors_count = 1;
    let mail = compose_digest(&digest(vec![first, second]), &settings(), now()).unwrap();

    assert_eq!(mail.subject, "Trending papers — Aug 21, 2026");
    assert_eq!(mail.to.email.to_string(), "ada@example.org");
    assert_eq!(mail.from.to_string(), "Daily Papers <papers@example.com>");
    assert_eq!(mail.date, now());
    assert_eq!(
        mail.header(LIST_UNSUBSCRIBE),
        Some(format!("<{UNSUBSCRIBE_URL}>").as_str())
    );
    assert_eq!(
        mail.header(LIST_UNSUBSCRIBE_POST),
        Some("List-Unsubscribe=One-Click")
    );
    assert!(mail.message_id.starts_with("<digest."));
    assert!(mail.message_id.ends_with("@example.com>"));

    let text = &mail.text;
    for expected in [
        "Trending papers — Aug 21, 2026",
        "1. Scaling Laws for Cats",
        "https://papers.example.com/papers/2410.12345\n",
        "1,234 upvotes · 12 authors",
        "Code: https://github.com/cats/scaling (5,678 stars)",
        "2. A Single-Author Note",
        "42 upvotes · 1 author\n",
        MANAGE_URL,
        UNSUBSCRIBE_URL,
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    // The abstract is cut at a word boundary, near 300 characters.
    let abstract_line = text
        .lines()
        .find(|l| l.trim_start().starts_with("word"))
        .unwrap()
        .trim();
    assert!(abstract_line.ends_with("word…"), "{abstract_line}");
    assert!(abstract_line.chars().count() <= 301);

    let html = &mail.html;
    for expected in [
        ">Scaling Laws for Cats</a>",
        "href=\"https://papers.example.com/papers/2410.12345\"",
        "12 authors",
        "1,234",
        "href=\"https://github.com/cats/scaling\"",
        "cats/scaling</a> &#9733; 5,678",
        "Manage your subscription",
        "Unsubscribe</a>",
    ] {
        assert!(
            html.contains(expected),
            "{expected:?} missing from:\n{html}"
        );
    }
}

#[test]
fn the_same_digest_keeps_its_message_id() {
    let d = digest(vec![item("2410.12345", "A")]);
    let a = compose_digest(&d, &settings(), now()).unwrap();
    let b = compose_digest(&d, &settings(), now()).unwrap();
    assert_eq!(a.message_id, b.message_id);
    let mut other = d.clone();
    other.period_label = "Aug 22, 2026".into();
    let c = compose_digest(&other, &settings(), now()).unwrap();
    assert_ne!(a.message_id, c.message_id);
}

#[test]
fn the_html_part_escapes_everything() {
    let mut evil = item("2410.12345", "<script>alert('x')</script> & Friends");
    evil.abstract_text = "We show $\\alpha < \\beta$ & <b>bold</b> claims.".into();
    evil.github_repo = Some("\"><img src=x onerror=alert(1)>".into());
    let mut d = digest(vec![evil]);
    d.subscription_label = "Your weekly digest: <i>diffusion</i> & co".into();
    d.unsubscribe_url = "https://papers.example.com/unsubscribe?token=a&b=\"c\"".into();
    let mail = compose_digest(&d, &settings(), now()).unwrap();

    let html = &mail.html;
    assert!(!html.contains("<script>"), "{html}");
    assert!(!html.contains("<img"), "{html}");
    assert!(!html.contains("<i>diffusion"), "{html}");
    assert!(!html.contains("<b>bold"), "{html}");
    for raw in [
        "<script>alert('x')</script> & Friends",
        "$\\alpha < \\beta$ & <b>bold</b>",
        "<i>diffusion</i> & co",
        "token=a&b=\"c\"",
    ] {
        assert!(
            contains_escaped(html, raw),
            "{raw:?} not escaped in:\n{html}"
        );
    }

    // The text part is plain text: nothing to escape, the words as written.
    assert!(mail.text.contains("<script>alert('x')</script> & Friends"));
    assert!(mail.text.contains("$\\alpha < \\beta$ & <b>bold</b>"));
    assert_eq!(
        mail.subject,
        "Your weekly digest: <i>diffusion</i> & co — Aug 21, 2026"
    );
    // And it survives MIME encoding both ways.
    let received = parse(&mail.to_rfc5322().unwrap());
    assert!(contains_escaped(&received.html, "<script>"));
    assert!(received.text.contains("<script>"));
}

#[test]
fn an_empty_digest_is_never_composed() {
    let err = compose_digest(&digest(vec![]), &settings(), now()).unwrap_err();
    assert!(matches!(err, ComposeError::EmptyDigest), "{err}");
}

#[test]
fn a_bad_address_is_the_users_fault() {
    let mut d = digest(vec![item("2410.12345", "A")]);
    d.subscriber_email = "not-an-address".into();
    let err = compose_digest(&d, &settings(), now()).unwrap_err();
    assert!(matches!(err, ComposeError::InvalidAddress { .. }), "{err}");
}

#[test]
fn a_query_digest_says_what_was_asked() {
    let mut d = digest(vec![item("2410.12345", "A")]);
    d.subscription_label = "Your weekly digest: diffusion\r\nBcc: x@y.z".into();
    d.period_label = "week of Aug 17, 2026".into();
    let mail = compose_digest(&d, &settings(), now()).unwrap();
    assert_eq!(
        mail.subject,
        "Your weekly digest: diffusion Bcc: x@y.z — week of Aug 17, 2026"
    );
    assert!(
        mail.text
            .contains("you subscribed to \"Your weekly digest: diffusion Bcc: x@y.z\"")
    );
}

#[test]
fn confirmation_asks_first_and_promises_silence() {
    let c = Confirmation {
        subscriber_email: "ada@example.org".into(),
        subscription_label: "Saved search \"BUY CHEAP PILLS at spam.example\", daily".into(),
        confirm_url: "https://papers.example.com/confirm?token=c0nf1rm".into(),
    };
    let mail = compose_confirmation(&c, &settings(), now()).unwrap();
    // Whoever asks for the subscription chose the label (a query's text):
    // none of it reaches the subject of a mail to a possible stranger.
    assert_eq!(mail.subject, "Confirm your Daily Papers subscription");
    assert_eq!(mail.header(LIST_UNSUBSCRIBE), None);
    for part in [&mail.text, &mail.html] {
        assert!(
            part.contains("https://papers.example.com/confirm?token=c0nf1rm"),
            "{part}"
        );
        assert!(part.contains("nothing else"), "{part}");
    }
    let received_ok = mail.to_rfc5322().unwrap();
    assert!(String::from_utf8_lossy(&received_ok).contains("Auto-Submitted: auto-generated"));
}

#[test]
fn password_reset_carries_a_single_use_link() {
    let r = PasswordReset {
        account_email: "ada@example.org".into(),
        username: "ada<3".into(),
        reset_url: "https://papers.example.com/reset?token=r3s3t".into(),
        valid_for: Duration::from_secs(3600),
    };
    let mail = compose_password_reset(&r, &settings(), now()).unwrap();
    assert_eq!(mail.subject, "Reset your Daily Papers password");
    for part in [&mail.text, &mail.html] {
        assert!(
            part.contains("https://papers.example.com/reset?token=r3s3t"),
            "{part}"
        );
        assert!(part.contains("works once and expires in 1 hour"), "{part}");
    }
    assert!(mail.text.contains("Hello ada<3,"));
    assert!(contains_escaped(&mail.html, "Hello ada<3,"));
}
