//! Mails the site sends on its own (password resets). Until the mail crate is
//! wired in, a reset mail is kept in memory (tests read it) and, when an
//! outbox directory is configured, written there as an `.eml` file.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use papers_core::User;

/// One notice that was sent.
#[derive(Clone, Debug, PartialEq)]
pub struct SentNotice {
    pub to: String,
    pub subject: String,
    pub body: String,
}

#[derive(Clone, Debug, Default)]
pub struct Notifier {
    pub base_url: String,
    pub outbox: Option<PathBuf>,
    pub sent: Arc<Mutex<Vec<SentNotice>>>,
}

impl Notifier {
    pub fn new(base_url: impl Into<String>, outbox: Option<PathBuf>) -> Self {
        Notifier {
            base_url: base_url.into(),
            outbox,
            sent: Arc::default(),
        }
    }

    /// Everything sent so far (for tests).
    pub fn sent(&self) -> Vec<SentNotice> {
        self.sent.lock().map(|v| v.clone()).unwrap_or_default()
    }

    pub async fn password_reset(&self, user: &User, token: &str) {
        let link = format!(
            "{}/reset?token={token}",
            self.base_url.trim_end_matches('/')
        );
        let notice = SentNotice {
            to: user.email.clone(),
            subject: "Reset your Daily Papers password".to_string(),
            body: format!(
                "Hello {},\r\n\r\nSomeone asked to reset the password of your Daily Papers account.\r\n\
                 To choose a new password, open this link (it works once, within an hour):\r\n\r\n{link}\r\n\r\n\
                 If it was not you, ignore this mail: your password stays as it is.\r\n",
                user.username
            ),
        };
        if let Some(dir) = &self.outbox {
            let name = format!(
                "reset-{}-{}.eml",
                user.id,
                jiff::Timestamp::now().as_millisecond()
            );
            let eml = format!(
                "To: {}\r\nSubject: {}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{}",
                notice.to, notice.subject, notice.body
            );
            let path = dir.join(name);
            match std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&path, eml)) {
                Ok(()) => {
                    tracing::info!(path = %path.display(), "password reset mail written to the outbox")
                }
                Err(e) => tracing::error!(error = %e, "could not write the password reset mail"),
            }
        }
        if let Ok(mut v) = self.sent.lock() {
            v.push(notice);
        }
    }
}
