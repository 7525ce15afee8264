//! `papers-mail` owns the mail Daily Papers sends: composing the subscription
//! confirmation, the digest and the password reset from askama templates (a
//! subject, a text part and an HTML part for each), and delivering them through
//! a [`Mailer`] whose backend is an SMTP server (one pooled connection set,
//! rustls), an outbox directory of `.eml` files, or memory for tests. It knows
//! no database and no HTTP: callers hand it data and the time, and get back
//! whether delivery failed for good or is worth retrying.

pub mod compose;
pub mod config;
pub mod mailer;
pub mod message;

pub use compose::{
    ComposeError, Confirmation, DIGEST_ABSTRACT_CHARS, Digest, DigestItem, MailSettings,
    PasswordReset, compose_confirmation, compose_digest, compose_password_reset, day_label,
    shorten, week_label,
};
pub use config::{ConfigError, MailerConfig, SmtpConfig, SmtpCredentials, SmtpSecurity};
pub use lettre::Address;
pub use lettre::message::Mailbox;
pub use mailer::{DeliveryError, Mailer, MemoryMailbox, RetryPolicy, SentMail};
pub use message::{LIST_UNSUBSCRIBE, LIST_UNSUBSCRIBE_POST, MessageError, OutgoingMail};
