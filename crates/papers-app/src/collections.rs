//! Collections: reading lists a reader makes, orders and annotates, private
//! or public. A private collection is visible to its owner only; to anyone
//! else it does not exist (not found, never forbidden).

use papers_core::User;
use papers_store::{Collection, CollectionEdit, CollectionItem, ListedPaper, NewCollectionItem};

use crate::auth::refusal_error;
use crate::{AppError, AppResult, Community, Fault, paper_id};

/// Collections one account may hold.
pub const MAX_COLLECTIONS: usize = 100;
/// Papers one collection may hold.
pub const MAX_COLLECTION_ITEMS: u32 = 1000;
const MAX_TITLE_CHARS: usize = 120;
const MAX_DESCRIPTION_CHARS: usize = 1000;
const MAX_NOTE_CHARS: usize = 1000;

/// A collection with its papers, in order (hidden papers left out).
#[derive(Clone, Debug)]
pub struct CollectionView {
    pub collection: Collection,
    pub items: Vec<(CollectionItem, ListedPaper)>,
}

/// Hugging Face's slug for a collection: `owner/title-words-id`.
pub fn collection_slug(c: &Collection) -> String {
    let mut words = String::new();
    for ch in c.title.chars().flat_map(char::to_lowercase) {
        if ch.is_ascii_alphanumeric() {
            words.push(ch);
        } else if !words.is_empty() && !words.ends_with('-') {
            words.push('-');
        }
        if words.len() >= 60 {
            break;
        }
    }
    let words = words.trim_end_matches('-');
    if words.is_empty() {
        format!("{}/{}", c.owner, c.id)
    } else {
        format!("{}/{words}-{}", c.owner, c.id)
    }
}

/// The collection id in what a client names a collection by: the id
/// itself, or a slug (`owner/title-words-id`, or its last segment).
pub fn collection_id_of(key: &str) -> &str {
    let last = key.rsplit('/').next().unwrap_or(key);
    last.rsplit('-').next().unwrap_or(last)
}

/// A fresh id: 24 hex digits, like Hugging Face's object ids.
fn random_id() -> AppResult<String> {
    let mut buf = [0u8; 12];
    getrandom::fill(&mut buf).map_err(|e| AppError::caused("no randomness", e))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

fn bounded<'a>(what: &str, text: &'a str, max: usize) -> AppResult<&'a str> {
    if text.chars().count() > max {
        return Err(AppError::refused(
            Fault::BadInput,
            "too_long",
            format!("The {what} is longer than {max} characters."),
        ));
    }
    Ok(text)
}

fn title_of(title: &str) -> AppResult<&str> {
    let title = title.trim();
    if title.is_empty() {
        return Err(AppError::refused(
            Fault::BadInput,
            "missing_title",
            "A collection needs a title.",
        ));
    }
    bounded("title", title, MAX_TITLE_CHARS)
}

fn no_such_item() -> AppError {
    AppError::refused(
        Fault::NotFound,
        "not_found",
        "No such item in your collections.",
    )
}

fn no_such_collection() -> AppError {
    AppError::refused(Fault::NotFound, "not_found", "No such collection.")
}

impl Community {
    /// Makes a collection for `user`.
    pub async fn create_collection(
        &self,
        user: &User,
        title: &str,
        description: &str,
        private: bool,
    ) -> AppResult<Collection> {
        let title = title_of(title)?;
        let description = bounded("description", description.trim(), MAX_DESCRIPTION_CHARS)?;
        if self.store.collections_of(user.id).await?.len() >= MAX_COLLECTIONS {
            return Err(AppError::refused(
                Fault::TooMany,
                "too_many_collections",
                format!("An account may hold {MAX_COLLECTIONS} collections."),
            ));
        }
        let id = random_id()?;
        Ok(self
            .store
            .create_collection(&id, user.id, title, description, private, self.clock.now())
            .await?)
    }

    /// A collection and its papers, as `viewer` may see it: a private one
    /// only by its owner.
    pub async fn collection_view(
        &self,
        viewer: Option<&User>,
        key: &str,
    ) -> AppResult<CollectionView> {
        let collection = self.visible_collection(viewer, key).await?;
        self.collection_with_items(collection).await
    }

    /// The papers of a collection the caller may already see (a public
    /// one, or the caller's own), read without looking the collection up
    /// again.
    pub async fn collection_with_items(&self, collection: Collection) -> AppResult<CollectionView> {
        let items = self.store.collection_items(&collection.id).await?;
        let ids: Vec<String> = items.iter().map(|i| i.paper_id.clone()).collect();
        let mut papers: std::collections::HashMap<String, ListedPaper> = self
            .store
            .papers_by_ids(&ids)
            .await?
            .into_iter()
            .map(|p| (p.paper.id.base().to_string(), p))
            .collect();
        let items = items
            .into_iter()
            .filter_map(|i| papers.remove(&i.paper_id).map(|p| (i, p)))
            .collect();
        Ok(CollectionView { collection, items })
    }

    async fn visible_collection(&self, viewer: Option<&User>, key: &str) -> AppResult<Collection> {
        match self.store.collection(collection_id_of(key)).await? {
            Some(c) if !c.private || viewer.is_some_and(|u| u.id == c.owner_id) => Ok(c),
            _ => Err(no_such_collection()),
        }
    }

    /// Every collection of `user`'s, private ones too.
    pub async fn my_collections(&self, user: &User) -> AppResult<Vec<Collection>> {
        Ok(self.store.collections_of(user.id).await?)
    }

    /// Public collections, holding `paper` and owned by `owner` where given.
    pub async fn public_collections(
        &self,
        paper: Option<&str>,
        owner: Option<&str>,
        limit: u32,
    ) -> AppResult<Vec<Collection>> {
        let paper = paper.map(paper_id).transpose()?;
        Ok(self
            .store
            .public_collections(paper.as_ref(), owner, limit.clamp(1, 100))
            .await?)
    }

    /// Renames a collection, changes its description or privacy.
    pub async fn edit_collection(
        &self,
        user: &User,
        key: &str,
        edit: CollectionEdit<'_>,
    ) -> AppResult<Collection> {
        let edit = CollectionEdit {
            title: edit.title.map(title_of).transpose()?,
            description: edit
                .description
                .map(|d| bounded("description", d.trim(), MAX_DESCRIPTION_CHARS))
                .transpose()?,
            private: edit.private,
        };
        let id = collection_id_of(key);
        if !self
            .store
            .update_collection(id, user.id, edit, self.clock.now())
            .await?
        {
            return Err(no_such_collection());
        }
        self.store
            .collection(id)
            .await?
            .ok_or_else(no_such_collection)
    }

    /// Deletes one of `user`'s collections.
    pub async fn delete_collection(&self, user: &User, key: &str) -> AppResult<()> {
        if self
            .store
            .delete_collection(collection_id_of(key), user.id)
            .await?
        {
            Ok(())
        } else {
            Err(no_such_collection())
        }
    }

    /// Saves a paper (an id or abs/pdf URL) at the end of a collection:
    /// the item, and whether it is new.
    pub async fn add_to_collection(
        &self,
        user: &User,
        key: &str,
        paper: &str,
        note: &str,
    ) -> AppResult<(CollectionItem, bool)> {
        let paper = paper_id(paper)?;
        let note = bounded("note", note.trim(), MAX_NOTE_CHARS)?;
        let item_id = random_id()?;
        self.store
            .add_collection_item(
                collection_id_of(key),
                user.id,
                NewCollectionItem {
                    item_id: &item_id,
                    paper: &paper,
                    note,
                },
                MAX_COLLECTION_ITEMS,
                self.clock.now(),
            )
            .await?
            .map_err(refusal_error)
    }

    /// Changes an item's note, or moves it (0 is first).
    pub async fn edit_collection_item(
        &self,
        user: &User,
        key: &str,
        item_id: &str,
        note: Option<&str>,
        position: Option<usize>,
    ) -> AppResult<()> {
        let note = note
            .map(|n| bounded("note", n.trim(), MAX_NOTE_CHARS))
            .transpose()?;
        if self
            .store
            .update_collection_item(
                collection_id_of(key),
                user.id,
                item_id,
                note,
                position,
                self.clock.now(),
            )
            .await?
        {
            Ok(())
        } else {
            Err(no_such_item())
        }
    }

    /// Takes an item out of one of `user`'s collections.
    pub async fn remove_from_collection(
        &self,
        user: &User,
        key: &str,
        item_id: &str,
    ) -> AppResult<()> {
        if self
            .store
            .remove_collection_item(collection_id_of(key), user.id, item_id, self.clock.now())
            .await?
        {
            Ok(())
        } else {
            Err(no_such_item())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collection(title: &str) -> Collection {
        Collection {
            id: "0123456789abcdef01234567".into(),
            owner_id: 1,
            owner: "ada".into(),
            title: title.into(),
            description: String::new(),
            private: false,
            created_at: jiff::Timestamp::UNIX_EPOCH,
            updated_at: jiff::Timestamp::UNIX_EPOCH,
            items: 0,
        }
    }

    #[test]
    fn slugs_carry_the_id_and_lead_back_to_it() {
        let c = collection("Diffusion & <LaTeX>: the best of 2026!");
        let slug = collection_slug(&c);
        assert_eq!(
            slug,
            "ada/diffusion-latex-the-best-of-2026-0123456789abcdef01234567"
        );
        assert_eq!(collection_id_of(&slug), c.id);
        assert_eq!(collection_id_of(&c.id), c.id);
        assert_eq!(
            collection_slug(&collection("¿¿??")),
            "ada/0123456789abcdef01234567"
        );
    }
}
