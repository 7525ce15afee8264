//! Where mail goes, as configured: an SMTP server given by URL, an outbox
//! directory, or memory. Secrets never appear in `Debug` or `Display`.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use percent_encoding::percent_decode_str;
use url::Url;

/// The default time limit for connecting and for each SMTP command.
pub const DEFAULT_SMTP_TIMEOUT: Duration = Duration::from_secs(30);
/// The default number of pooled SMTP connections.
///
/// Throughput comes from parallel connections: lettre 0.11.23 does not set
/// `TCP_NODELAY` and writes the closing `CRLF.CRLF` of each message on its own,
/// so every message waits for the server's delayed ACK (about 40 ms on Linux),
/// which caps one connection near 25 mails/s (fixed upstream in lettre PR
/// #1159, not yet released). Raise it with `?pool=N` for bulk sends.
pub const DEFAULT_SMTP_POOL_SIZE: u32 = 10;

/// Which backend a [`Mailer`](crate::Mailer) sends through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MailerConfig {
    Smtp(SmtpConfig),
    /// Each mail is written as an `.eml` file in `dir`.
    Outbox {
        dir: PathBuf,
    },
    /// Mails are kept in memory; for tests.
    Memory,
}

impl MailerConfig {
    /// Parses `smtp://…`, `smtp+starttls://…`, `smtps://…` (see
    /// [`SmtpConfig::from_url`]), `file:///abs/dir` (an outbox) or `memory:`.
    pub fn from_url(url: &str) -> Result<Self, ConfigError> {
        let trimmed = url.trim();
        if trimmed == "memory:" || trimmed == "memory://" {
            return Ok(MailerConfig::Memory);
        }
        if let Some(path) = trimmed.strip_prefix("file://") {
            if !path.starts_with('/') {
                return Err(ConfigError::Invalid {
                    reason: "an outbox URL needs an absolute path: file:///path/to/dir".into(),
                });
            }
            let dir = percent_decode_str(path)
                .decode_utf8()
                .map_err(|_| ConfigError::Invalid {
                    reason: "the outbox path is not UTF-8".into(),
                })?;
            return Ok(MailerConfig::Outbox {
                dir: PathBuf::from(dir.as_ref()),
            });
        }
        SmtpConfig::from_url(trimmed).map(MailerConfig::Smtp)
    }
}

/// How the SMTP connection is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain text, for a relay on loopback (`smtp://`).
    None,
    /// Plain connect, then STARTTLS, which is required (`smtp+starttls://`).
    StartTls,
    /// TLS from the first byte (`smtps://`).
    Tls,
}

/// A user name and password. `Debug` hides the password.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpCredentials {
    pub user: String,
    pub password: String,
}

impl fmt::Debug for SmtpCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpCredentials")
            .field("user", &self.user)
            .field("password", &"<hidden>")
            .finish()
    }
}

/// An SMTP server and how to talk to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    /// When present, the client authenticates (PLAIN or LOGIN).
    pub credentials: Option<SmtpCredentials>,
    /// Limit for connecting and for each command.
    pub timeout: Duration,
    /// How many connections the pool keeps open at most.
    pub pool_size: u32,
    /// The name sent with EHLO; `localhost` when absent.
    pub hello_name: Option<String>,
}

/// A mail configuration that cannot be used: the operator's to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("mail URL: {reason}")]
    Invalid { reason: String },
    #[error(
        "mail URL scheme {0:?} is not supported: use smtp://, smtp+starttls://, smtps://, file:// or memory:"
    )]
    UnsupportedScheme(String),
    #[error("setting up TLS for {host}: {reason}")]
    Tls { host: String, reason: String },
    #[error("an SMTP mailer must be created inside a Tokio runtime")]
    NoRuntime,
}

impl SmtpConfig {
    /// Parses an SMTP URL:
    ///
    /// - `smtp://host[:port]` — no TLS (port 25), for a relay on loopback;
    /// - `smtp+starttls://user:pass@host[:port]` — STARTTLS required (587);
    /// - `smtps://user:pass@host[:port]` — TLS (465).
    ///
    /// User and password are percent-decoded. Query parameters: `timeout`
    /// (seconds), `pool` (connections), `hello` (the EHLO name); any other key
    /// is refused.
    pub fn from_url(input: &str) -> Result<Self, ConfigError> {
        let invalid = |reason: String| ConfigError::Invalid { reason };
        // url's errors never echo the input, so the password cannot leak.
        let url = Url::parse(input.trim()).map_err(|e| invalid(e.to_string()))?;
        let (security, default_port) = match url.scheme() {
            "smtp" => (SmtpSecurity::None, 25),
            "smtp+starttls" => (SmtpSecurity::StartTls, 587),
            "smtps" => (SmtpSecurity::Tls, 465),
            other => return Err(ConfigError::UnsupportedScheme(other.to_string())),
        };
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| invalid("no host".into()))?;
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host)
            .to_string();
        if !matches!(url.path(), "" | "/") {
            return Err(invalid(format!("unexpected path {:?}", url.path())));
        }
        let decode = |s: &str, what: &str| {
            percent_decode_str(s)
                .decode_utf8()
                .map(|c| c.into_owned())
                .map_err(|_| invalid(format!("the {what} is not UTF-8")))
        };
        let user = decode(url.username(), "user name")?;
        let credentials = match url.password() {
            Some(_) if user.is_empty() => {
                return Err(invalid("a password without a user name".into()));
            }
            Some(p) => Some(SmtpCredentials {
                user,
                password: decode(p, "password")?,
            }),
            None if user.is_empty() => None,
            None => Some(SmtpCredentials {
                user,
                password: String::new(),
            }),
        };
        let mut config = SmtpConfig {
            host,
            port: url.port().unwrap_or(default_port),
            security,
            credentials,
            timeout: DEFAULT_SMTP_TIMEOUT,
            pool_size: DEFAULT_SMTP_POOL_SIZE,
            hello_name: None,
        };
        for (key, value) in url.query_pairs() {
            match key.as_ref() {
                "timeout" => {
                    let secs: f64 = value
                        .parse()
                        .ok()
                        .filter(|s: &f64| s.is_finite() && *s > 0.0 && *s < 86_400.0)
                        .ok_or_else(|| invalid(format!("timeout {value:?} is not seconds")))?;
                    config.timeout = Duration::from_secs_f64(secs);
                }
                "pool" => {
                    config.pool_size = value
                        .parse()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or_else(|| invalid(format!("pool {value:?} is not a count")))?;
                }
                "hello" => config.hello_name = Some(value.into_owned()),
                other => return Err(invalid(format!("unknown parameter {other:?}"))),
            }
        }
        Ok(config)
    }
}

impl fmt::Display for SmtpConfig {
    /// The URL with the password replaced by `***`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = match self.security {
            SmtpSecurity::None => "smtp",
            SmtpSecurity::StartTls => "smtp+starttls",
            SmtpSecurity::Tls => "smtps",
        };
        write!(f, "{scheme}://")?;
        if let Some(c) = &self.credentials {
            write!(f, "{}:***@", c.user)?;
        }
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_smtp_forms() {
        let c = SmtpConfig::from_url("smtp://127.0.0.1:2525").unwrap();
        assert_eq!((c.host.as_str(), c.port), ("127.0.0.1", 2525));
        assert_eq!(c.security, SmtpSecurity::None);
        assert_eq!(c.credentials, None);

        let c = SmtpConfig::from_url("smtp+starttls://me%40x.org:p%40ss@mail.x.org").unwrap();
        assert_eq!(c.security, SmtpSecurity::StartTls);
        assert_eq!(c.port, 587);
        let creds = c.credentials.unwrap();
        assert_eq!(
            (creds.user.as_str(), creds.password.as_str()),
            ("me@x.org", "p@ss")
        );

        let c = SmtpConfig::from_url("smtps://u:pw@mail.x.org?timeout=5&pool=3&hello=papers.x.org")
            .unwrap();
        assert_eq!((c.security, c.port), (SmtpSecurity::Tls, 465));
        assert_eq!(c.timeout, Duration::from_secs(5));
        assert_eq!(c.pool_size, 3);
        assert_eq!(c.hello_name.as_deref(), Some("papers.x.org"));

        let c = SmtpConfig::from_url("smtp://[::1]:25").unwrap();
        assert_eq!(c.host, "::1");
        assert_eq!(c.to_string(), "smtp://[::1]:25");
    }

    #[test]
    fn refuses_what_it_does_not_understand() {
        for bad in [
            "http://x.org",
            "smtp://",
            "smtp://x.org/path",
            "smtp://x.org?tls=yes",
            "smtp://x.org?timeout=-1",
            "smtp://:pw@x.org",
            "not a url",
        ] {
            assert!(SmtpConfig::from_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn never_shows_the_password() {
        let c = SmtpConfig::from_url("smtps://user:s3cret@mail.x.org").unwrap();
        let debug = format!("{c:?}");
        assert!(!debug.contains("s3cret"), "{debug}");
        assert!(debug.contains("<hidden>"));
        assert_eq!(c.to_string(), "smtps://user:***@mail.x.org:465");
        let m = MailerConfig::from_url("smtps://user:s3cret@mail.x.org").unwrap();
        assert!(!format!("{m:?}").contains("s3cret"));
        let e = SmtpConfig::from_url("smtps://user:s3cret@mail.x.org?oops=1").unwrap_err();
        assert!(!e.to_string().contains("s3cret"));
    }

    #[test]
    fn parses_outbox_and_memory() {
        assert_eq!(
            MailerConfig::from_url("file:///var/spool/papers%20mail").unwrap(),
            MailerConfig::Outbox {
                dir: "/var/spool/papers mail".into()
            }
        );
        assert_eq!(
            MailerConfig::from_url("memory:").unwrap(),
            MailerConfig::Memory
        );
        assert!(MailerConfig::from_url("file://relative").is_err());
    }
}
