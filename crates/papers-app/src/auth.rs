//! Accounts, sessions, API tokens and password resets.
//!
//! Secrets handed to people (session cookies, API tokens, reset tokens) are
//! 256-bit random values; the store only ever sees their SHA-256.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use jiff::{SignedDuration, Timestamp};
use papers_core::{Role, User};
use papers_store::Refusal;

use crate::{AppError, AppResult, Community, Fault, bad};

/// The window of the per-account sign-in limit.
const SIGN_IN_WINDOW: SignedDuration = SignedDuration::from_mins(15);

/// The longest password accepted, in characters (argon2 hashes at most
/// 1 KiB of it).
const MAX_PASSWORD_CHARS: usize = 256;

/// A fresh random secret, hex-encoded, with a prefix naming its kind.
pub fn random_token(prefix: &str) -> AppResult<String> {
    let mut buf = [0u8; 32];
    getrandom::fill(&mut buf).map_err(|e| AppError::caused("no randomness", e))?;
    let mut s = String::with_capacity(prefix.len() + 64);
    s.push_str(prefix);
    for b in buf {
        s.push_str(&format!("{b:02x}"));
    }
    Ok(s)
}

pub use papers_core::sha256_hex;

/// Hashes a password with argon2id (PHC string).
pub fn hash_password(password: &str) -> AppResult<String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| AppError::caused("no randomness", e))?;
    let salt = SaltString::encode_b64(&salt)
        .map_err(|e| AppError::caused("encoding a salt", e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::caused("hashing a password", e.to_string()))
}

pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// At most this many argon2 computations at once (one per core): each takes
/// ~19 MB and tens of milliseconds of CPU, so a burst of sign-ins must queue
/// rather than starve the async workers or the memory.
static ARGON2_PERMITS: std::sync::LazyLock<tokio::sync::Semaphore> =
    std::sync::LazyLock::new(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        tokio::sync::Semaphore::new(cores)
    });

/// Runs an argon2 computation on the blocking pool, behind [`ARGON2_PERMITS`].
async fn argon2_blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> AppResult<T> {
    let _permit = ARGON2_PERMITS
        .acquire()
        .await
        .map_err(|e| AppError::caused("argon2 permits", e))?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| AppError::caused("argon2 task", e))
}

async fn hash_password_async(password: &str) -> AppResult<String> {
    let password = password.to_string();
    argon2_blocking(move || hash_password(&password)).await?
}

async fn verify_password_async(password: &str, phc: &str) -> AppResult<bool> {
    let (password, phc) = (password.to_string(), phc.to_string());
    argon2_blocking(move || verify_password(&password, &phc)).await
}

/// A session just opened: the cookie value to set and its CSRF token.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub cookie_value: String,
    pub csrf: String,
    pub expires: Timestamp,
}

fn valid_username(u: &str) -> bool {
    let n = u.chars().count();
    (2..=39).contains(&n)
        && u.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && u.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// An address mail can go to, checked the way the API's schema states it
/// (`^[A-Za-z0-9%+_-]+(\.[A-Za-z0-9%+_-]+)*@…`): ASCII dot-atoms in the
/// local part, and a domain of two or more labels of letters, digits and
/// inner hyphens (at most 63 each); 254 characters in all. Every address it
/// accepts is one the mailer can parse.
pub(crate) fn valid_email(e: &str) -> bool {
    let atom = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"%+_-".contains(&b))
    };
    let label = |s: &str| {
        (1..=63).contains(&s.len())
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-')
    };
    let Some((local, domain)) = e.split_once('@') else {
        return false;
    };
    e.len() <= 254
        && local.split('.').all(atom)
        && domain.split('.').count() >= 2
        && domain.split('.').all(label)
}

impl Community {
    /// Creates an account after checking the username, address and password.
    pub async fn sign_up(
        &self,
        username: &str,
        email: &str,
        password: &str,
        role: Role,
    ) -> AppResult<User> {
        let username = username.trim();
        let email = email.trim();
        if !valid_username(username) {
            return Err(bad(
                "invalid_username",
                "A username has 2 to 39 letters, digits, '-' or '_', and starts with a letter or digit.",
            ));
        }
        if !valid_email(email) {
            return Err(bad(
                "invalid_email",
                format!("{email:?} is not a valid email address."),
            ));
        }
        self.check_new_password(password)?;
        let hash = hash_password_async(password).await?;
        match self
            .store
            .create_user(username, email, &hash, role, self.clock.now())
            .await?
        {
            Ok(u) => Ok(u),
            Err(_) => Err(AppError::refused(
                Fault::Conflict,
                "username_taken",
                format!("The username {username:?} is taken."),
            )),
        }
    }

    /// Checks a username and password, within the per-account limit on
    /// attempts (every sign-in path comes through here).
    pub async fn check_credentials(&self, username: &str, password: &str) -> AppResult<User> {
        if let Some(limit) = self.settings.sign_in_attempts {
            let key = format!("signin:{}", username.trim().to_lowercase());
            let hits = self
                .store
                .hit_counter(&key, self.clock.now(), SIGN_IN_WINDOW)
                .await?;
            if hits > limit {
                return Err(AppError::refused(
                    Fault::TooMany,
                    "too_many_attempts",
                    "Too many sign-in attempts for this account; try again in 15 minutes.",
                ));
            }
        }
        let denied = || {
            AppError::refused(
                Fault::Unauthorized,
                "bad_credentials",
                "Wrong username or password.",
            )
        };
        let Some((user, hash)) = self.store.user_credentials(username.trim()).await? else {
            // Spend the same time as a real check, so names can't be probed by timing.
            let _ = verify_password_async(
                password,
                "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$4BV1ZQ2TnJbY0G2o0hXjnZQSWKRz9Pk3Y7WGoIX7dU4",
            )
            .await?;
            return Err(denied());
        };
        if !verify_password_async(password, &hash).await? {
            return Err(denied());
        }
        if user.banned {
            return Err(AppError::refused(
                Fault::Forbidden,
                "banned",
                "This account is banned.",
            ));
        }
        Ok(user)
    }

    /// Signs in: checks the password and opens a server-side session.
    pub async fn sign_in(&self, username: &str, password: &str) -> AppResult<(User, NewSession)> {
        let user = self.check_credentials(username, password).await?;
        let session = self.open_session(&user).await?;
        Ok((user, session))
    }

    pub async fn open_session(&self, user: &User) -> AppResult<NewSession> {
        let cookie_value = random_token("")?;
        let csrf = random_token("")?;
        let now = self.clock.now();
        let expires = now
            .checked_add(SignedDuration::from_hours(24 * self.settings.session_days))
            .unwrap_or(now);
        self.store
            .create_session(&sha256_hex(&cookie_value), user.id, &csrf, now, expires)
            .await?;
        Ok(NewSession {
            cookie_value,
            csrf,
            expires,
        })
    }

    /// The user behind a session cookie, and the session's CSRF token.
    pub async fn session(&self, cookie_value: &str) -> AppResult<Option<(User, String)>> {
        Ok(self
            .store
            .session_user(&sha256_hex(cookie_value), self.clock.now())
            .await?)
    }

    pub async fn sign_out(&self, cookie_value: &str) -> AppResult<()> {
        Ok(self.store.delete_session(&sha256_hex(cookie_value)).await?)
    }

    /// Creates a personal API token; the plain value is shown once.
    pub async fn create_api_token(&self, user: &User, name: &str) -> AppResult<(i64, String)> {
        let name = name.trim();
        let name = if name.is_empty() { "token" } else { name };
        if name.chars().count() > 100 {
            return Err(bad(
                "invalid_name",
                "A token name has at most 100 characters.",
            ));
        }
        let token = random_token("dp_")?;
        let id = self
            .store
            .create_api_token(user.id, name, &sha256_hex(&token), self.clock.now())
            .await?;
        Ok((id, token))
    }

    /// The user's API tokens: `(id, name, created_at, revoked)`, oldest first.
    pub async fn api_tokens(&self, user: &User) -> AppResult<Vec<(i64, String, String, bool)>> {
        Ok(self.store.api_tokens(user.id).await?)
    }

    pub async fn revoke_api_token(&self, user: &User, token_id: i64) -> AppResult<()> {
        if self
            .store
            .revoke_api_token(user.id, token_id, self.clock.now())
            .await?
        {
            Ok(())
        } else {
            Err(AppError::refused(
                Fault::NotFound,
                "no_such_token",
                "No such live token.",
            ))
        }
    }

    /// The user behind an `Authorization: Bearer` token.
    pub async fn bearer_user(&self, token: &str) -> AppResult<Option<User>> {
        Ok(self.store.token_user(&sha256_hex(token.trim())).await?)
    }

    /// Starts a password reset for every account (not banned) with this
    /// address: each with its plain token to mail. Addresses are neither
    /// unique nor verified (ARCHITECTURE.md, threat model), so each link
    /// names and resets one account; the caller says the same either way.
    pub async fn request_password_reset(&self, email: &str) -> AppResult<Vec<(User, String)>> {
        let now = self.clock.now();
        let expires = now
            .checked_add(SignedDuration::from_mins(self.settings.reset_token_minutes))
            .unwrap_or(now);
        let mut links = Vec::new();
        for user in self.store.users_by_email(email.trim()).await? {
            if user.banned {
                continue;
            }
            let token = random_token("")?;
            self.store
                .create_password_reset(&sha256_hex(&token), user.id, now, expires)
                .await?;
            links.push((user, token));
        }
        Ok(links)
    }

    /// The length rules of a new password (sign-up and reset alike): a
    /// minimum, and a cap so that nobody makes argon2 hash megabytes.
    fn check_new_password(&self, password: &str) -> AppResult<()> {
        let min = self.settings.min_password_len;
        if password.chars().count() < min {
            return Err(bad(
                "weak_password",
                format!("A password has at least {min} characters."),
            ));
        }
        if password.chars().count() > MAX_PASSWORD_CHARS {
            return Err(bad(
                "invalid_password",
                format!("A password has at most {MAX_PASSWORD_CHARS} characters."),
            ));
        }
        Ok(())
    }

    /// Sets a new password with a single-use, unexpired reset token. A reset
    /// assumes the old credentials leaked: it ends every session and revokes
    /// the user's API tokens and other reset links.
    pub async fn reset_password(&self, token: &str, new_password: &str) -> AppResult<()> {
        self.check_new_password(new_password)?;
        let Some(user_id) = self
            .store
            .consume_password_reset(&sha256_hex(token.trim()), self.clock.now())
            .await?
        else {
            return Err(bad(
                "invalid_token",
                "This reset link is invalid, used or expired.",
            ));
        };
        let hash = hash_password_async(new_password).await?;
        self.store
            .reset_password(user_id, &hash, self.clock.now())
            .await?;
        Ok(())
    }

    /// Deletes expired sessions and reset links: (sessions, resets) removed.
    pub async fn purge_expired(&self) -> AppResult<(u64, u64)> {
        Ok(self.store.purge_expired(self.clock.now()).await?)
    }

    /// Bans a user (admins only).
    pub async fn ban(&self, admin: &User, username: &str, banned: bool) -> AppResult<()> {
        require_admin(admin)?;
        let Some((user, _)) = self.store.user_credentials(username).await? else {
            return Err(AppError::refused(
                Fault::NotFound,
                "no_such_user",
                "No such user.",
            ));
        };
        self.store.set_banned(user.id, banned).await?;
        Ok(())
    }
}

pub(crate) fn require_admin(user: &User) -> AppResult<()> {
    if user.is_admin() {
        Ok(())
    } else {
        Err(AppError::refused(
            Fault::Forbidden,
            "admin_only",
            "Only admins can do this.",
        ))
    }
}

pub(crate) fn refusal_error(r: Refusal) -> AppError {
    match r {
        Refusal::UsernameTaken => {
            AppError::refused(Fault::Conflict, "username_taken", "That username is taken.")
        }
        Refusal::NoSuchPaper => AppError::refused(Fault::NotFound, "not_found", "No such paper."),
        Refusal::NoSuchComment => {
            AppError::refused(Fault::NotFound, "no_such_comment", "No such comment.")
        }
        Refusal::NotYours => AppError::refused(
            Fault::Forbidden,
            "not_yours",
            "You can only change your own comments.",
        ),
        Refusal::Deleted => {
            AppError::refused(Fault::Conflict, "deleted", "That comment was deleted.")
        }
        Refusal::BadParent => AppError::refused(
            Fault::NotFound,
            "invalid_parent",
            "The parent comment is not on this paper.",
        ),
        Refusal::NoSuchCollection => {
            AppError::refused(Fault::NotFound, "not_found", "No such collection.")
        }
        Refusal::CollectionFull => AppError::refused(
            Fault::TooMany,
            "collection_full",
            format!(
                "A collection holds at most {} papers.",
                crate::collections::MAX_COLLECTION_ITEMS
            ),
        ),
        Refusal::NoSuchAuthor => AppError::refused(
            Fault::NotFound,
            "no_such_author",
            "No author of this paper has that name.",
        ),
        Refusal::AuthorClaimed => AppError::refused(
            Fault::Conflict,
            "author_claimed",
            "That author of this paper is already verified as another account.",
        ),
        Refusal::ClaimExists => AppError::refused(
            Fault::Conflict,
            "claim_exists",
            "You have already claimed authorship of this paper.",
        ),
        Refusal::NoSuchClaim => {
            AppError::refused(Fault::NotFound, "no_such_claim", "No such claim.")
        }
        Refusal::TooManyFollows => AppError::refused(
            Fault::TooMany,
            "too_many_follows",
            format!(
                "You may follow at most {} authors, categories, searches and papers.",
                crate::follows::MAX_FOLLOWS
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_addresses_and_usernames() {
        for ok in ["a@b.co", "first.last+tag@example.org"] {
            assert!(valid_email(ok), "{ok}");
        }
        for bad in [
            "",
            "a",
            "a@b",
            "@b.co",
            "a@.co",
            "a@b..co",
            "a b@c.de",
            "a@b@c.de",
            "<a@b.co>",
            "°@1.é",
            "a..b@c.de",
            ".a@c.de",
            "a@-b.de",
            "a@b.c_d",
        ] {
            assert!(!valid_email(bad), "{bad}");
        }
        assert!(valid_username("ada_lovelace-1"));
        assert!(!valid_username("_ada"));
        assert!(!valid_username("a"));
        assert!(!valid_username("ada lovelace"));
        assert!(!valid_username("<script>"));
    }

    #[test]
    fn hashes_verify_and_tokens_are_random() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("wrong", &h));
        let a = random_token("dp_").unwrap();
        let b = random_token("dp_").unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 3 + 64);
        assert_eq!(sha256_hex("abc").len(), 64);
    }
}
