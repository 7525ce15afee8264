//! Authors and who they are here: an author's page (their papers, the
//! people they wrote with, their upvotes), a reader's claim to be one of a
//! paper's authors, an admin's verdict on it, and a reader's public profile
//! with the papers verified as theirs.

use papers_core::{AuthorshipClaim, ClaimStatus, User, author_key};
use papers_store::{Coauthor, ListedPaper, Page};

use crate::auth::{refusal_error, require_admin};
use crate::{AppResult, Catalog, Community, DELETED_USERNAME, paper_id};

/// Co-authors an author's page lists at most.
const COAUTHORS_SHOWN: u64 = 20;

/// Pending claims the admin page lists at most.
const PENDING_SHOWN: u64 = 200;

/// What `/authors/{name}` shows.
#[derive(Clone, Debug)]
pub struct AuthorPage {
    /// The name as most of their papers write it.
    pub name: String,
    /// One page of their visible papers, newest first.
    pub papers: Page<ListedPaper>,
    /// The upvotes of all their visible papers.
    pub upvotes: i64,
    pub coauthors: Vec<Coauthor>,
}

/// What `/users/{username}` shows.
#[derive(Clone, Debug)]
pub struct Profile {
    pub username: String,
    pub joined: jiff::Timestamp,
    /// The visible papers an admin verified as theirs, in claim order.
    pub papers: Vec<ListedPaper>,
    /// Every claim they made (shown to them alone).
    pub claims: Vec<AuthorshipClaim>,
}

impl Catalog {
    /// The author `name` stands for (any spelling with the same
    /// [`author_key`]), or `None` when no visible paper has them.
    pub async fn author(
        &self,
        name: &str,
        offset: u64,
        limit: u64,
    ) -> AppResult<Option<AuthorPage>> {
        let key = author_key(name);
        let Some(summary) = self.store().author_summary(&key).await? else {
            return Ok(None);
        };
        let (papers, coauthors) = tokio::try_join!(
            self.store().author_papers(&key, offset, limit),
            self.store().coauthors(&key, COAUTHORS_SHOWN),
        )?;
        Ok(Some(AuthorPage {
            name: summary.name,
            papers,
            upvotes: summary.upvotes,
            coauthors,
        }))
    }
}

impl Community {
    /// `user` claims to be the author `author` of `paper`; an admin
    /// decides.
    pub async fn claim_authorship(
        &self,
        user: &User,
        paper: &str,
        author: &str,
    ) -> AppResult<AuthorshipClaim> {
        let id = paper_id(paper)?;
        self.store
            .claim_authorship(user.id, &id, author, self.clock.now())
            .await?
            .map_err(refusal_error)
    }

    /// An admin verifies (`verify`) or rejects a claim.
    pub async fn decide_claim(
        &self,
        admin: &User,
        claim: i64,
        verify: bool,
    ) -> AppResult<AuthorshipClaim> {
        require_admin(admin)?;
        self.store
            .decide_claim(claim, verify, self.clock.now())
            .await?
            .map_err(refusal_error)
    }

    /// Claims waiting for an admin (admins only), oldest first.
    pub async fn pending_claims(&self, admin: &User) -> AppResult<Vec<AuthorshipClaim>> {
        require_admin(admin)?;
        Ok(self.store.pending_claims(PENDING_SHOWN).await?)
    }

    /// The public profile of `username` (any case); `None` for no such
    /// account.
    pub async fn profile(&self, username: &str) -> AppResult<Option<Profile>> {
        let Some(user) = self.store.user_by_name(username).await? else {
            return Ok(None);
        };
        if user.username == DELETED_USERNAME {
            return Ok(None);
        }
        let claims = self.store.claims_of(user.id).await?;
        let verified: Vec<String> = claims
            .iter()
            .filter(|c| c.status == ClaimStatus::Verified)
            .map(|c| c.paper_id.clone())
            .collect();
        let papers = self.store.papers_by_ids(&verified).await?;
        Ok(Some(Profile {
            username: user.username,
            joined: user.created_at,
            papers,
            claims,
        }))
    }
}
