//! Mails the site sends on its own behalf (password resets), through the
//! configured mailer.

use std::time::Duration;

use papers_app::MailContext;
use papers_core::User;
use papers_mail::{PasswordReset, compose_password_reset};

/// Mails a password reset link; failures are logged, never shown (the page
/// says the same whether or not an account exists).
pub(crate) async fn password_reset(
    mail: &MailContext,
    base_url: &str,
    user: &User,
    token: &str,
    now: jiff::Timestamp,
) {
    let reset = PasswordReset {
        account_email: user.email.clone(),
        username: user.username.clone(),
        reset_url: format!("{}/reset?token={token}", base_url.trim_end_matches('/')),
        valid_for: Duration::from_secs(3600),
    };
    match compose_password_reset(&reset, &mail.settings, now) {
        Ok(m) => {
            if let Err(e) = mail
                .mailer
                .send_with_retry(&m, mail.retry, tokio::time::sleep)
                .await
            {
                tracing::error!(error = %e, "the password reset mail could not be sent");
            }
        }
        Err(e) => tracing::error!(error = %e, "the password reset mail could not be composed"),
    }
}
