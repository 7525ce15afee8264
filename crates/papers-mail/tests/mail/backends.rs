//! The memory and outbox backends.

use papers_mail::{DeliveryError, Mailer, MailerConfig, MemoryMailbox, compose_digest};

use crate::{assert_is_the_sample_digest, digest, item, now, parse, settings};

#[tokio::test]
async fn memory_records_what_was_sent() {
    let mailbox = MemoryMailbox::new();
    let mailer = Mailer::memory(mailbox.clone());
    let mail = compose_digest(
        &digest(vec![item("2410.12345", "A paper")]),
        &settings(),
        now(),
    )
    .unwrap();
    mailer.send(&mail).await.unwrap();
    mailer.send(&mail).await.unwrap();

    let sent = mailbox.sent();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].mail, mail);
    assert_is_the_sample_digest(&parse(&sent[0].raw));
    assert_eq!(mailbox.take().len(), 2);
    assert!(mailbox.is_empty());
    assert_eq!(format!("{mailer:?}"), "Mailer::Memory(0 sent)");
}

#[tokio::test]
async fn memory_can_fail_on_demand() {
    let mailer = Mailer::new(&MailerConfig::Memory).unwrap();
    let mailbox = mailer.memory_mailbox().unwrap().clone();
    let mail = compose_digest(&digest(vec![item("2410.12345", "A")]), &settings(), now()).unwrap();
    mailbox.fail_next(DeliveryError::Permanent {
        code: Some(550),
        reason: "no such user".into(),
    });
    let err = mailer.send(&mail).await.unwrap_err();
    assert_eq!(err.code(), Some(550));
    assert!(!err.is_transient());
    mailer.send(&mail).await.unwrap();
    assert_eq!(mailbox.len(), 1);
}

#[tokio::test]
async fn outbox_writes_one_parseable_eml_per_mail() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = dir.path().join("outbox");
    let mailer =
        Mailer::new(&MailerConfig::from_url(&format!("file://{}", outbox.display())).unwrap())
            .unwrap();
    let mail = compose_digest(
        &digest(vec![item("2410.12345", "A paper")]),
        &settings(),
        now(),
    )
    .unwrap();
    // The same mail twice: two files, neither overwritten.
    mailer.send(&mail).await.unwrap();
    mailer.send(&mail).await.unwrap();

    let mut names: Vec<String> = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(
        names
            .iter()
            .all(|n| n.ends_with(".eml") && n.starts_with("20260821T060000Z-digest.")),
        "{names:?}"
    );
    for name in names {
        let raw = std::fs::read(outbox.join(name)).unwrap();
        assert!(raw.windows(2).any(|w| w == b"\r\n"), "RFC 5322 uses CRLF");
        assert_is_the_sample_digest(&parse(&raw));
    }
}

#[tokio::test]
async fn smtp_mailers_build_for_every_scheme_and_hide_the_password() {
    for url in [
        "smtp://127.0.0.1:2525",
        "smtp+starttls://user:s3cret@mail.example.com:587",
        "smtps://user:s3cret@mail.example.com",
    ] {
        let config = MailerConfig::from_url(url).unwrap();
        let mailer = Mailer::new(&config).unwrap();
        let debug = format!("{mailer:?}");
        assert!(debug.starts_with("Mailer::Smtp("), "{debug}");
        assert!(!debug.contains("s3cret"), "{debug}");
    }
}

#[test]
fn an_smtp_mailer_needs_a_runtime() {
    let config = MailerConfig::from_url("smtp://127.0.0.1:2525").unwrap();
    assert_eq!(
        Mailer::new(&config).unwrap_err(),
        papers_mail::ConfigError::NoRuntime
    );
}
