//! Mails the site sends on its own behalf (password resets), through the
//! configured mailer.

use std::time::Duration;

use papers_core::User;
use papers_mail::{PasswordReset, compose_password_reset};

use crate::state::AppState;

/// Mails a password reset link; failures are logged, never shown (the page
/// says the same whether or not an account exists).
pub(crate) async fn password_reset(state: &AppState, user: &User, token: &str) {
    let (mail, now) = (&state.mail, state.clock.now());
    let minutes = state.community.settings.reset_token_minutes.max(1);
    let reset = PasswordReset {
        account_email: user.email.clone(),
        username: user.username.clone(),
        reset_url: format!(
            "{}/reset?token={token}",
            state.config.base_url.trim_end_matches('/')
        ),
        // The link's lifetime as configured, said in the mail.
        valid_for: Duration::from_secs(60 * u64::try_from(minutes).unwrap_or(60)),
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
