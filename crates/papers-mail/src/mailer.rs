//! Delivery: the [`Mailer`] and its three backends (SMTP through one pooled
//! lettre transport, an outbox directory of `.eml` files, and memory), the
//! [`DeliveryError`] that says whether a failure is worth retrying, and
//! [`Mailer::send_with_retry`] with exponential back-off.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use lettre::transport::smtp::authentication::Mechanism;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::transport::smtp::{Error as SmtpError, PoolConfig};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::config::{ConfigError, MailerConfig, SmtpConfig, SmtpSecurity};
use crate::message::{MessageError, OutgoingMail};

/// Why a mail was not delivered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    /// Worth trying again later: the connection was refused or dropped, it
    /// timed out, or the server answered 4xx.
    #[error("temporary delivery failure{}: {reason}", code_note(*.code))]
    Transient { code: Option<u16>, reason: String },
    /// The server refused this mail for good (5xx, e.g. 550 mailbox
    /// unavailable): the recipient's side. Do not retry; the address may be
    /// dead.
    #[error("delivery refused{}: {reason}", code_note(*.code))]
    Permanent { code: Option<u16>, reason: String },
    /// Our side is wrong (TLS, authentication, a malformed message, an outbox
    /// that cannot be written): retrying this mail will not help, and the
    /// recipient is not to blame.
    #[error("mail setup problem: {reason}")]
    Setup { reason: String },
}

fn code_note(code: Option<u16>) -> String {
    code.map(|c| format!(" ({c})")).unwrap_or_default()
}

impl DeliveryError {
    /// True for [`DeliveryError::Transient`]: the only kind that is retried.
    pub fn is_transient(&self) -> bool {
        matches!(self, DeliveryError::Transient { .. })
    }

    /// The SMTP reply code, when the server gave one.
    pub fn code(&self) -> Option<u16> {
        match self {
            DeliveryError::Transient { code, .. } | DeliveryError::Permanent { code, .. } => *code,
            DeliveryError::Setup { .. } => None,
        }
    }

    fn from_smtp(e: &SmtpError) -> Self {
        let reason = error_chain(e);
        let code = e.status().map(u16::from);
        if e.is_permanent() {
            // Authentication failures are 5xx too, but they are ours.
            if matches!(code, Some(530 | 534 | 535 | 538)) {
                DeliveryError::Setup { reason }
            } else {
                DeliveryError::Permanent { code, reason }
            }
        } else if e.is_transient() {
            DeliveryError::Transient { code, reason }
        } else if e.is_tls() || e.is_client() || e.is_transport_shutdown() {
            DeliveryError::Setup { reason }
        } else {
            // Connection refused, network errors, timeouts, garbled replies.
            DeliveryError::Transient { code, reason }
        }
    }
}

impl From<MessageError> for DeliveryError {
    fn from(e: MessageError) -> Self {
        DeliveryError::Setup {
            reason: e.to_string(),
        }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// How often and how patiently [`Mailer::send_with_retry`] tries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (at least 1).
    pub max_attempts: u32,
    /// The wait before the second attempt; it doubles after each failure.
    pub base_delay: Duration,
    /// The longest wait.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_secs(2),
            max_delay: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// The wait after failed attempt `attempt` (1-based).
    pub fn delay_after(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        self.base_delay
            .checked_mul(factor)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }
}

/// One mail the memory backend took.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentMail {
    pub mail: OutgoingMail,
    /// The RFC 5322 bytes, as SMTP would have carried them.
    pub raw: Vec<u8>,
}

/// The memory backend's store: a cloneable handle on the mails sent so far.
/// It can also be told to fail the next sends, to test callers' error paths.
#[derive(Clone, Debug, Default)]
pub struct MemoryMailbox {
    sent: Arc<Mutex<Vec<SentMail>>>,
    failures: Arc<Mutex<VecDeque<DeliveryError>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock leaves plain data behind; keep using it.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl MemoryMailbox {
    pub fn new() -> Self {
        MemoryMailbox::default()
    }

    /// A copy of the mails sent so far, oldest first.
    pub fn sent(&self) -> Vec<SentMail> {
        lock(&self.sent).clone()
    }

    pub fn len(&self) -> usize {
        lock(&self.sent).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Takes the mails sent so far, leaving none.
    pub fn take(&self) -> Vec<SentMail> {
        std::mem::take(&mut *lock(&self.sent))
    }

    /// Makes the next send fail with `error` (queued: call it several times to
    /// fail several sends).
    pub fn fail_next(&self, error: DeliveryError) {
        lock(&self.failures).push_back(error);
    }
}

/// Sends mail through the configured backend. Cheap to clone: clones share the
/// SMTP connection pool, the outbox and the memory store.
#[derive(Clone)]
pub struct Mailer {
    backend: Backend,
}

#[derive(Clone)]
enum Backend {
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        config: Arc<SmtpConfig>,
    },
    Outbox {
        dir: PathBuf,
    },
    Memory(MemoryMailbox),
}

impl fmt::Debug for Mailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.backend {
            // SmtpConfig's Debug hides the password.
            Backend::Smtp { config, .. } => f.debug_tuple("Mailer::Smtp").field(config).finish(),
            Backend::Outbox { dir } => f.debug_tuple("Mailer::Outbox").field(dir).finish(),
            Backend::Memory(m) => write!(f, "Mailer::Memory({} sent)", m.len()),
        }
    }
}

impl Mailer {
    /// A mailer for `config`. The memory backend gets a fresh store; use
    /// [`Mailer::memory`] to keep a handle on it.
    ///
    /// The SMTP backend must be created inside a Tokio runtime (its pool runs a
    /// clean-up task); outside one this returns [`ConfigError::NoRuntime`].
    pub fn new(config: &MailerConfig) -> Result<Self, ConfigError> {
        match config {
            MailerConfig::Smtp(smtp) => Mailer::smtp(smtp),
            MailerConfig::Outbox { dir } => Ok(Mailer::outbox(dir.clone())),
            MailerConfig::Memory => Ok(Mailer::memory(MemoryMailbox::new())),
        }
    }

    /// An SMTP mailer with one connection pool for all sends.
    pub fn smtp(config: &SmtpConfig) -> Result<Self, ConfigError> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(ConfigError::NoRuntime);
        }
        let tls = |host: &str| {
            TlsParameters::new(host.to_string()).map_err(|e| ConfigError::Tls {
                host: host.to_string(),
                reason: e.to_string(),
            })
        };
        let tls = match config.security {
            SmtpSecurity::None => Tls::None,
            SmtpSecurity::StartTls => Tls::Required(tls(&config.host)?),
            SmtpSecurity::Tls => Tls::Wrapper(tls(&config.host)?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            .port(config.port)
            .tls(tls)
            .timeout(Some(config.timeout))
            .pool_config(PoolConfig::new().max_size(config.pool_size));
        if let Some(name) = &config.hello_name {
            builder = builder.hello_name(ClientId::Domain(name.clone()));
        }
        if let Some(c) = &config.credentials {
            builder = builder
                .credentials(lettre::transport::smtp::authentication::Credentials::new(
                    c.user.clone(),
                    c.password.clone(),
                ))
                .authentication(vec![Mechanism::Plain, Mechanism::Login]);
        }
        Ok(Mailer {
            backend: Backend::Smtp {
                transport: builder.build(),
                config: Arc::new(config.clone()),
            },
        })
    }

    /// A mailer that writes each mail as an `.eml` file in `dir` (created on
    /// first use).
    pub fn outbox(dir: impl Into<PathBuf>) -> Self {
        Mailer {
            backend: Backend::Outbox { dir: dir.into() },
        }
    }

    /// A mailer that keeps mails in `mailbox`.
    pub fn memory(mailbox: MemoryMailbox) -> Self {
        Mailer {
            backend: Backend::Memory(mailbox),
        }
    }

    /// The memory backend's store, if this is one.
    pub fn memory_mailbox(&self) -> Option<&MemoryMailbox> {
        match &self.backend {
            Backend::Memory(m) => Some(m),
            _ => None,
        }
    }

    /// Sends one mail, once.
    pub async fn send(&self, mail: &OutgoingMail) -> Result<(), DeliveryError> {
        match &self.backend {
            Backend::Smtp { transport, .. } => {
                let message = mail.to_message()?;
                transport
                    .send(message)
                    .await
                    .map(drop)
                    .map_err(|e| DeliveryError::from_smtp(&e))
            }
            Backend::Outbox { dir } => {
                let raw = mail.to_rfc5322()?;
                write_eml(dir, mail, &raw).await.map(drop)
            }
            Backend::Memory(mailbox) => {
                if let Some(error) = lock(&mailbox.failures).pop_front() {
                    return Err(error);
                }
                let raw = mail.to_rfc5322()?;
                lock(&mailbox.sent).push(SentMail {
                    mail: mail.clone(),
                    raw,
                });
                Ok(())
            }
        }
    }

    /// Sends one mail, retrying transient failures with exponential back-off:
    /// waits `base_delay`, then twice that, and so on up to `max_delay`, for
    /// at most `max_attempts` attempts in all. Permanent and setup failures
    /// return at once. `sleep` is injected so tests need not wait
    /// (`tokio::time::sleep` in production).
    pub async fn send_with_retry<S, F>(
        &self,
        mail: &OutgoingMail,
        policy: RetryPolicy,
        sleep: S,
    ) -> Result<(), DeliveryError>
    where
        S: Fn(Duration) -> F,
        F: Future<Output = ()>,
    {
        let attempts = policy.max_attempts.max(1);
        let mut attempt = 1;
        loop {
            match self.send(mail).await {
                Ok(()) => return Ok(()),
                Err(e) if e.is_transient() && attempt < attempts => {
                    let delay = policy.delay_after(attempt);
                    tracing::warn!(
                        to = %mail.to,
                        attempt,
                        ?delay,
                        error = %e,
                        "mail delivery failed; retrying"
                    );
                    sleep(delay).await;
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Closes pooled SMTP connections (QUIT). Other backends do nothing.
    pub async fn shutdown(&self) {
        if let Backend::Smtp { transport, .. } = &self.backend {
            transport.shutdown().await;
        }
    }
}

static OUTBOX_SEQ: AtomicU64 = AtomicU64::new(0);

/// Writes `raw` under a unique name in `dir`: first to a temporary file, then
/// hard-linked to its final name (which fails instead of overwriting, so two
/// mails never share a file), so readers never see half a message.
async fn write_eml(dir: &Path, mail: &OutgoingMail, raw: &[u8]) -> Result<PathBuf, DeliveryError> {
    let setup = |what: &str, path: &Path, e: std::io::Error| DeliveryError::Setup {
        reason: format!("outbox: {what} {}: {e}", path.display()),
    };
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(|e| setup("creating", dir, e))?;
    let seq = OUTBOX_SEQ.fetch_add(1, Ordering::Relaxed);
    let tmp = dir.join(format!(".tmp-{}-{seq}", std::process::id()));
    tokio::fs::write(&tmp, raw)
        .await
        .map_err(|e| setup("writing", &tmp, e))?;
    let stem = format!(
        "{}-{}",
        mail.date.strftime("%Y%m%dT%H%M%SZ"),
        file_safe(&mail.message_id)
    );
    let mut n = 1u32;
    let result = loop {
        let name = if n == 1 {
            format!("{stem}.eml")
        } else {
            format!("{stem}-{n}.eml")
        };
        let path = dir.join(name);
        match tokio::fs::hard_link(&tmp, &path).await {
            Ok(()) => break Ok(path),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 10_000 => n += 1,
            Err(e) => break Err(setup("naming", &path, e)),
        }
    };
    let _ = tokio::fs::remove_file(&tmp).await;
    result
}

/// The Message-ID's local part, restricted to characters safe in file names.
fn file_safe(message_id: &str) -> String {
    let local = message_id
        .trim_matches(|c| c == '<' || c == '>')
        .split('@')
        .next()
        .unwrap_or("");
    let safe: String = local
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect();
    if safe.is_empty() { "mail".into() } else { safe }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backs_off_exponentially_up_to_the_cap() {
        let p = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
        };
        let delays: Vec<_> = (1..=6).map(|a| p.delay_after(a).as_millis()).collect();
        assert_eq!(delays, [100, 200, 400, 800, 1000, 1000]);
        assert_eq!(p.delay_after(200), Duration::from_secs(1));
    }

    #[test]
    fn names_files_safely() {
        assert_eq!(file_safe("<digest.ab12@x.org>"), "digest.ab12");
        assert_eq!(file_safe("<../../etc/passwd@x>"), ".._.._etc_passwd");
        assert_eq!(file_safe("<>"), "mail");
    }
}
