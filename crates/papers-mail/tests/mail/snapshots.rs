//! Snapshots of every mail: subject, headers, text and HTML, so that a change
//! to a template or to composition shows as a reviewable diff
//! (`INSTA_UPDATE=always cargo test -p papers-mail` records a new one).

use std::time::Duration;

use papers_mail::{
    Confirmation, OutgoingMail, PasswordReset, compose_confirmation, compose_digest,
    compose_password_reset,
};

use crate::{digest, item, now, settings};

/// The mail as one reviewable text.
fn render(mail: &OutgoingMail) -> String {
    let mut out = format!(
        "From: {}\nTo: {}\nSubject: {}\nDate: {}\nMessage-ID: {}\n",
        mail.from, mail.to, mail.subject, mail.date, mail.message_id
    );
    for (name, value) in &mail.headers {
        out.push_str(&format!("{name}: {value}\n"));
    }
    out.push_str("\n----- text/plain -----\n");
    out.push_str(&mail.text);
    out.push_str("\n----- text/html -----\n");
    out.push_str(&mail.html);
    out
}

#[test]
fn digest_mail() {
    let mut first = item("2410.12345v2", "Scaling Laws for <Cats> & Dogs");
    first.abstract_text = "We fit $L(N) \\propto N^{-\\alpha}$ where α < 1 & more.".into();
    first.github_repo = Some("https://github.com/cats/scaling".into());
    first.github_stars = Some(5678);
    let second = item("hep-th/9901001", "An Old-Style Paper");
    let mail = compose_digest(&digest(vec![first, second]), &settings(), now()).unwrap();
    insta::assert_snapshot!(render(&mail));
}

#[test]
fn confirmation_mail() {
    let confirmation = Confirmation {
        subscriber_email: "ada@example.org".into(),
        subscription_label: "Trending papers, daily".into(),
        confirm_url: "https://papers.example.com/subscriptions/confirm?token=tok_confirm".into(),
    };
    let mail = compose_confirmation(&confirmation, &settings(), now()).unwrap();
    insta::assert_snapshot!(render(&mail));
}

#[test]
fn password_reset_mail() {
    let reset = PasswordReset {
        account_email: "ada@example.org".into(),
        username: "ada".into(),
        reset_url: "https://papers.example.com/reset?token=tok_reset".into(),
        valid_for: Duration::from_secs(3600),
    };
    let mail = compose_password_reset(&reset, &settings(), now()).unwrap();
    insta::assert_snapshot!(render(&mail));
}
