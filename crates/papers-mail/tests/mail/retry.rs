//! Which failures are retried. aiosmtpd accepts every mail, so the refusals
//! here come from a stand-in: a few lines of SMTP on a tokio listener that
//! answers RCPT TO with whatever reply the test picks.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use papers_mail::{DeliveryError, Mailer, OutgoingMail, RetryPolicy, SmtpConfig, compose_digest};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use crate::{digest, item, now, settings};

fn mail() -> OutgoingMail {
    compose_digest(&digest(vec![item("2410.12345", "A")]), &settings(), now()).unwrap()
}

fn policy(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        base_delay: Duration::from_millis(100),
        max_delay: Duration::from_secs(1),
    }
}

/// Sends with retry, recording the back-off delays instead of sleeping.
async fn send_recording_delays(
    mailer: &Mailer,
    policy: RetryPolicy,
) -> (Result<(), DeliveryError>, Vec<Duration>) {
    let delays = Arc::new(std::sync::Mutex::new(Vec::new()));
    let recorder = Arc::clone(&delays);
    let result = mailer
        .send_with_retry(&mail(), policy, move |d| {
            recorder.lock().unwrap().push(d);
            std::future::ready(())
        })
        .await;
    let delays = delays.lock().unwrap().clone();
    (result, delays)
}

/// A stand-in SMTP server that answers `RCPT TO` with `rcpt_reply` and counts
/// the `RCPT TO` commands it sees.
async fn fake_smtp(rcpt_reply: &'static str) -> (u16, Arc<AtomicU32>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let rcpts = Arc::new(AtomicU32::new(0));
    let counter = Arc::clone(&rcpts);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let counter = Arc::clone(&counter);
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 stand-in ESMTP\r\n").await.ok();
                while let Ok(Some(line)) = lines.next_line().await {
                    let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
                    let reply = match verb.as_str() {
                        "EHLO" | "HELO" => "250 stand-in\r\n".to_string(),
                        "MAIL" | "RSET" | "NOOP" => "250 OK\r\n".to_string(),
                        "RCPT" => {
                            counter.fetch_add(1, Ordering::SeqCst);
                            format!("{rcpt_reply}\r\n")
                        }
                        "QUIT" => {
                            write.write_all(b"221 bye\r\n").await.ok();
                            break;
                        }
                        _ => "502 not implemented\r\n".to_string(),
                    };
                    if write.write_all(reply.as_bytes()).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    (port, rcpts)
}

fn mailer_for(port: u16) -> Mailer {
    Mailer::smtp(&SmtpConfig::from_url(&format!("smtp://127.0.0.1:{port}?timeout=5")).unwrap())
        .unwrap()
}

#[tokio::test]
async fn a_refused_connection_is_transient_and_retried() {
    // A port nobody listens on: bind, note it, let it go.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mailer = mailer_for(port);
    let (result, delays) = send_recording_delays(&mailer, policy(4)).await;
    let err = result.unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    // Four attempts, so three waits, doubling.
    assert_eq!(delays, [100, 200, 400].map(Duration::from_millis), "{err}");
}

#[tokio::test]
async fn a_550_is_permanent_and_not_retried() {
    let (port, rcpts) = fake_smtp("550 5.1.1 mailbox unavailable").await;
    let mailer = mailer_for(port);
    let (result, delays) = send_recording_delays(&mailer, policy(4)).await;
    let err = result.unwrap_err();
    assert!(
        matches!(
            err,
            DeliveryError::Permanent {
                code: Some(550),
                ..
            }
        ),
        "{err:?}"
    );
    assert!(delays.is_empty());
    assert_eq!(rcpts.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_451_is_transient_and_retried_until_the_limit() {
    let (port, rcpts) = fake_smtp("451 4.3.0 try again later").await;
    let mailer = mailer_for(port);
    let (result, delays) = send_recording_delays(&mailer, policy(3)).await;
    let err = result.unwrap_err();
    assert!(
        matches!(
            err,
            DeliveryError::Transient {
                code: Some(451),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(delays.len(), 2);
    assert_eq!(rcpts.load(Ordering::SeqCst), 3);
}
