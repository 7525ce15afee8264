//! A reader's own data: everything about them as one document, and the
//! deletion of their account (confirmed with the password).

use papers_core::User;
use papers_store::{Collection, CollectionItem, DeletedUser, Subscription};

use crate::{AppResult, Community};

/// Everything the site holds about one user (issue 14, "your data").
#[derive(Clone, Debug)]
pub struct UserExport {
    pub user: User,
    /// (paper id, when), oldest first.
    pub votes: Vec<(String, String)>,
    /// Papers marked "not interested": (paper id, when), oldest first.
    pub not_interested: Vec<(String, String)>,
    pub comments: Vec<papers_core::Comment>,
    /// The subscriptions made while signed in.
    pub subscriptions: Vec<Subscription>,
    /// Every collection, private ones too, with its papers in order.
    pub collections: Vec<(Collection, Vec<CollectionItem>)>,
    /// (id, name, created, revoked) of the API tokens (never the tokens).
    pub api_tokens: Vec<(i64, String, String, bool)>,
    /// Claims to be an author of a paper, oldest first.
    pub authorship_claims: Vec<papers_core::AuthorshipClaim>,
    /// Followed authors, categories and searches, and seed papers.
    pub follows: Vec<papers_core::Follow>,
    /// In-app notifications, newest first.
    pub notifications: Vec<papers_core::Notification>,
}

impl Community {
    /// Everything about `user`, read from the primary.
    pub async fn export_user(&self, user: &User) -> AppResult<UserExport> {
        let (votes, not_interested, comments, subscriptions, api_tokens, owned, authorship_claims) =
            tokio::try_join!(
                self.store.votes_of(user.id),
                self.store.not_interested_of(user.id),
                self.store.comments_of(user.id),
                self.store.subscriptions_of_user(user.id),
                self.store.api_tokens(user.id),
                self.store.collections_of(user.id),
                self.store.claims_of(user.id),
            )?;
        let (follows, notifications) = tokio::try_join!(
            self.store.follows_of(user.id),
            self.store.notifications_of(user.id, u64::MAX >> 1),
        )?;
        let mut collections = Vec::with_capacity(owned.len());
        for c in owned {
            let items = self.store.collection_items(&c.id).await?;
            collections.push((c, items));
        }
        Ok(UserExport {
            user: user.clone(),
            votes,
            not_interested,
            comments,
            subscriptions,
            collections,
            api_tokens,
            authorship_claims,
            follows,
            notifications,
        })
    }

    /// Deletes `user`'s account once `password` is theirs (checked like a
    /// sign-in, within its limit). Votes are taken back exactly, comments
    /// stay as "[deleted]", and one audit line with no personal data is
    /// logged (target `audit`).
    pub async fn delete_account(&self, user: &User, password: &str) -> AppResult<DeletedUser> {
        self.check_credentials(&user.username, password).await?;
        let gone = self
            .store
            .delete_user(user.id, self.clock.now())
            .await?
            .unwrap_or_default();
        tracing::info!(
            target: "audit",
            votes_taken_back = gone.votes,
            comments_left_as_deleted = gone.comments,
            "an account was deleted at its owner's request"
        );
        Ok(gone)
    }
}
