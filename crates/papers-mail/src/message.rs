//! An outgoing mail as plain data ([`OutgoingMail`]) and its wire form: a
//! `multipart/alternative` RFC 5322 message with a UTF-8 text part and a UTF-8
//! HTML part.

use std::time::SystemTime;

use jiff::Timestamp;
use lettre::Message;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};

/// The `List-Unsubscribe` header (RFC 2369).
pub const LIST_UNSUBSCRIBE: &str = "List-Unsubscribe";
/// The `List-Unsubscribe-Post` header (RFC 8058 one-click unsubscribe).
pub const LIST_UNSUBSCRIBE_POST: &str = "List-Unsubscribe-Post";

/// A mail ready to be handed to a [`Mailer`](crate::Mailer).
///
/// Addresses are already validated ([`Mailbox`]). `message_id` includes its
/// angle brackets (`<…@host>`). `headers` holds the extra headers
/// (`List-Unsubscribe`, …); the standard ones (From, To, Subject, Date,
/// Message-ID, MIME) are made from the other fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutgoingMail {
    pub to: Mailbox,
    pub from: Mailbox,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The `Date` header.
    pub date: Timestamp,
    pub message_id: String,
    pub headers: Vec<(String, String)>,
}

/// Why an [`OutgoingMail`] cannot be turned into a message. Always a bug on
/// our side (a header name that is not ASCII, say), never the recipient's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    #[error("header name {0:?} is not a valid RFC 5322 field name")]
    HeaderName(String),
    #[error("cannot build the message: {0}")]
    Build(String),
}

impl OutgoingMail {
    /// The value of an extra header or of `Message-ID`, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        if name.eq_ignore_ascii_case("Message-ID") {
            return Some(&self.message_id);
        }
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The message as lettre builds it (envelope included).
    pub(crate) fn to_message(&self) -> Result<Message, MessageError> {
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(self.to.clone())
            .subject(one_line(&self.subject))
            .date(system_time(self.date))
            .message_id(Some(one_line(&self.message_id)));
        for (name, value) in &self.headers {
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic() && b != b':') {
                return Err(MessageError::HeaderName(name.clone()));
            }
            let header_name = HeaderName::new_from_ascii(name.clone())
                .map_err(|_| MessageError::HeaderName(name.clone()))?;
            builder = builder.raw_header(HeaderValue::new(header_name, one_line(value)));
        }
        builder
            .multipart(MultiPart::alternative_plain_html(
                self.text.clone(),
                self.html.clone(),
            ))
            .map_err(|e| MessageError::Build(e.to_string()))
    }

    /// The RFC 5322 bytes, as an `.eml` file holds them.
    pub fn to_rfc5322(&self) -> Result<Vec<u8>, MessageError> {
        Ok(self.to_message()?.formatted())
    }
}

/// Dates before 1970 do not occur in mail; they are clamped to the epoch.
fn system_time(ts: Timestamp) -> SystemTime {
    let since_epoch =
        std::time::Duration::try_from(ts.duration_since(Timestamp::UNIX_EPOCH)).unwrap_or_default();
    SystemTime::UNIX_EPOCH + since_epoch
}

/// Header values are single lines: control characters (CR, LF, tabs, …) become
/// spaces, so no value can smuggle in another header.
pub(crate) fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last_space = false;
    for c in s.trim().chars() {
        if c.is_control() || c.is_whitespace() {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            out.push(c);
            last_space = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> OutgoingMail {
        OutgoingMail {
            to: "Ada <ada@example.org>".parse().unwrap(),
            from: "Daily Papers <papers@example.com>".parse().unwrap(),
            subject: "Hello\r\nBcc: evil@example.net".into(),
            text: "plain ü".into(),
            html: "<p>html ü</p>".into(),
            date: "2026-08-21T06:00:00Z".parse().unwrap(),
            message_id: "<x.1@example.com>".into(),
            headers: vec![(
                "List-Unsubscribe".into(),
                "<https://example.com/u?token=abc>".into(),
            )],
        }
    }

    #[test]
    fn header_values_cannot_inject_headers() {
        let raw = String::from_utf8(sample().to_rfc5322().unwrap()).unwrap();
        assert!(!raw.contains("\r\nBcc:"), "{raw}");
        assert!(
            raw.contains("Subject: Hello Bcc: evil@example.net\r\n"),
            "{raw}"
        );
        assert!(raw.contains("List-Unsubscribe: <https://example.com/u?token=abc>\r\n"));
        assert!(raw.contains("Message-ID: <x.1@example.com>\r\n"));
        assert!(raw.contains("Date: Fri, 21 Aug 2026 06:00:00"), "{raw}");
        assert!(raw.contains("multipart/alternative"));
    }

    #[test]
    fn refuses_bad_header_names() {
        let mut mail = sample();
        mail.headers.push(("Bad Name".into(), "x".into()));
        assert_eq!(
            mail.to_rfc5322(),
            Err(MessageError::HeaderName("Bad Name".into()))
        );
    }

    #[test]
    fn looks_up_headers_by_any_case() {
        let mail = sample();
        assert_eq!(
            mail.header("list-unsubscribe"),
            Some("<https://example.com/u?token=abc>")
        );
        assert_eq!(mail.header("message-id"), Some("<x.1@example.com>"));
        assert_eq!(mail.header("X-Nope"), None);
    }
}
