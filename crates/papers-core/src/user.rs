//! People: accounts, their roles, and the comments they write.

use jiff::Timestamp;
use serde::Serialize;

/// What an account may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Admin,
}

impl Role {
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "user" => Some(Role::User),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// An account. The password hash never leaves the store's auth methods.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub role: Role,
    pub banned: bool,
    pub created_at: Timestamp,
}

impl User {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// A comment as stored: Markdown source, with its place in the thread.
#[derive(Clone, Debug, PartialEq)]
pub struct Comment {
    pub id: i64,
    pub paper_id: String,
    pub author: String,
    pub author_id: i64,
    pub parent_id: Option<i64>,
    pub body: String,
    pub created_at: Timestamp,
    pub edited_at: Option<Timestamp>,
    pub deleted: bool,
    pub hidden: bool,
}
