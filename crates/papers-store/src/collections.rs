//! Collections: a reader's ordered lists of papers with a note per paper,
//! private or public, on both backends. Every write names the owner and is
//! checked in its own statement or under the collection's row lock, so
//! nobody edits another's list.

use jiff::Timestamp;
use papers_core::ArxivId;

use crate::dialect::{HasDb, for_both_backends};
use crate::rows::{Cols, nul_free, ts};
use crate::{Refusal, Result, StoreError, format_timestamp};

/// A collection, with its owner's name and how many papers it holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Collection {
    /// 24 hex digits.
    pub id: String,
    pub owner_id: i64,
    pub owner: String,
    pub title: String,
    pub description: String,
    pub private: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Papers in it.
    pub items: i64,
}

/// A paper in a collection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CollectionItem {
    /// 24 hex digits, stable while the paper stays in the collection.
    pub item_id: String,
    pub paper_id: String,
    /// Its place in the list: smaller first.
    pub position: i64,
    pub note: String,
    pub added_at: Timestamp,
}

/// A paper to add to a collection, under the item id the caller drew.
#[derive(Clone, Copy, Debug)]
pub struct NewCollectionItem<'a> {
    pub item_id: &'a str,
    pub paper: &'a ArxivId,
    pub note: &'a str,
}

/// What changes in a collection; `None` keeps the current value.
#[derive(Clone, Copy, Debug, Default)]
pub struct CollectionEdit<'a> {
    pub title: Option<&'a str>,
    pub description: Option<&'a str>,
    pub private: Option<bool>,
}

const COLLECTION_COLS: &str = "c.id, c.owner_id, u.username, c.title, c.description, c.private,
    c.created_at, c.updated_at,
    (SELECT COUNT(*) FROM collection_items i WHERE i.collection_id = c.id) AS items
    FROM collections c JOIN users u ON u.id = c.owner_id";

const ITEM_COLS: &str = "item_id, paper_id, position, note, added_at FROM collection_items";

fn stamp(row: &impl Cols, col: &str) -> Result<Timestamp> {
    ts(Some(row.text(col)?)).ok_or_else(|| StoreError::Corrupt {
        what: "collection".into(),
        detail: format!("{col} is not a timestamp"),
    })
}

fn collection_from_row(row: &impl Cols) -> Result<Collection> {
    Ok(Collection {
        id: row.text("id")?,
        owner_id: row.int("owner_id")?,
        owner: row.text("username")?,
        title: row.text("title")?,
        description: row.text("description")?,
        private: row.flag("private")?,
        created_at: stamp(row, "created_at")?,
        updated_at: stamp(row, "updated_at")?,
        items: row.int("items")?,
    })
}

fn item_from_row(row: &impl Cols) -> Result<CollectionItem> {
    Ok(CollectionItem {
        item_id: row.text("item_id")?,
        paper_id: row.text("paper_id")?,
        position: row.int("position")?,
        note: row.text("note")?,
        added_at: stamp(row, "added_at")?,
    })
}

for_both_backends! {
    /// Makes a collection owned by `owner_id`, with the id the caller drew.
    pub async fn create_collection(
        &self,
        id: &str,
        owner_id: i64,
        title: &str,
        description: &str,
        private: bool,
        now: Timestamp,
    ) -> Result<Collection> {
        let now = format_timestamp(now);
        sqlx::query(
            "INSERT INTO collections (id, owner_id, title, description, private, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6)",
        )
        .bind(id)
        .bind(owner_id)
        .bind(nul_free(title))
        .bind(nul_free(description))
        .bind(private)
        .bind(&now)
        .execute(&self.pool)
        .await?;
        self.collection(id).await?.ok_or_else(|| StoreError::Corrupt {
            what: "collection".into(),
            detail: format!("{id} vanished after its insert"),
        })
    }

    /// One collection, private or not.
    pub async fn collection(&self, id: &str) -> Result<Option<Collection>> {
        let sql = format!("SELECT {COLLECTION_COLS} WHERE c.id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(nul_free(id))
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(collection_from_row).transpose()
    }

    /// A user's collections, private ones too, the last changed first.
    pub async fn collections_of(&self, owner_id: i64) -> Result<Vec<Collection>> {
        let sql = format!(
            "SELECT {COLLECTION_COLS} WHERE c.owner_id = $1 ORDER BY c.updated_at DESC, c.id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(owner_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(collection_from_row).collect()
    }

    /// Public collections, the last changed first: those holding `paper`
    /// and owned by `owner` (any case), where given.
    pub async fn public_collections(
        &self,
        paper: Option<&ArxivId>,
        owner: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Collection>> {
        let sql = format!(
            "SELECT {COLLECTION_COLS}
             WHERE NOT c.private
               AND ($1 IS NULL OR EXISTS (SELECT 1 FROM collection_items i
                                          WHERE i.collection_id = c.id AND i.paper_id = $1))
               AND ($2 IS NULL OR {owner})
             ORDER BY c.updated_at DESC, c.id LIMIT $3",
            owner = Self::DIALECT.ci_eq("u.username", "$2"),
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(paper.map(|p| p.base().to_string()))
            .bind(owner.map(nul_free))
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(collection_from_row).collect()
    }

    /// Changes a collection's title, description or privacy; false when
    /// `owner_id` owns no collection `id`.
    pub async fn update_collection(
        &self,
        id: &str,
        owner_id: i64,
        edit: CollectionEdit<'_>,
        now: Timestamp,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE collections SET title = COALESCE($1, title),
                 description = COALESCE($2, description), private = COALESCE($3, private),
                 updated_at = $4
             WHERE id = $5 AND owner_id = $6",
        )
        .bind(edit.title.map(nul_free))
        .bind(edit.description.map(nul_free))
        .bind(edit.private)
        .bind(format_timestamp(now))
        .bind(nul_free(id))
        .bind(owner_id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Deletes a collection and its items; false when `owner_id` owns no
    /// collection `id`.
    pub async fn delete_collection(&self, id: &str, owner_id: i64) -> Result<bool> {
        let mut tx = self.pool.begin_with(Self::DIALECT.begin_write()).await?;
        if !Self::owns_collection(&mut tx, id, owner_id).await? {
            return Ok(false);
        }
        sqlx::query("DELETE FROM collection_items WHERE collection_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM collections WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The papers of a collection, in its order.
    pub async fn collection_items(&self, id: &str) -> Result<Vec<CollectionItem>> {
        let sql = format!("SELECT {ITEM_COLS} WHERE collection_id = $1 ORDER BY position, item_id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(nul_free(id))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(item_from_row).collect()
    }

    /// Adds a paper at the end of a collection, under the item id the
    /// caller drew. Answers the item and whether it is new (a paper already
    /// there keeps its item). Refused: no such collection of this owner,
    /// no such visible paper, or a collection holding `max_items`.
    pub async fn add_collection_item(
        &self,
        id: &str,
        owner_id: i64,
        item: NewCollectionItem<'_>,
        max_items: u32,
        now: Timestamp,
    ) -> Result<std::result::Result<(CollectionItem, bool), Refusal>> {
        let NewCollectionItem {
            item_id,
            paper,
            note,
        } = item;
        let mut tx = self.pool.begin_with(Self::DIALECT.begin_write()).await?;
        if !Self::owns_collection(&mut tx, id, owner_id).await? {
            return Ok(Err(Refusal::NoSuchCollection));
        }
        if !Self::paper_visible(&mut tx, paper).await? {
            return Ok(Err(Refusal::NoSuchPaper));
        }
        let sql = format!("SELECT {ITEM_COLS} WHERE collection_id = $1 AND paper_id = $2");
        let existing = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .bind(paper.base())
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(row) = existing {
            return Ok(Ok((item_from_row(&row)?, false)));
        }
        let (count, last): (i64, Option<i64>) = sqlx::query_as(
            "SELECT COUNT(*), MAX(position) FROM collection_items WHERE collection_id = $1",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        if count >= i64::from(max_items) {
            return Ok(Err(Refusal::CollectionFull));
        }
        let now = format_timestamp(now);
        let position = last.map_or(0, |p| p + 1);
        sqlx::query(
            "INSERT INTO collection_items (collection_id, paper_id, item_id, position, note, added_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(paper.base())
        .bind(item_id)
        .bind(position)
        .bind(nul_free(note))
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        Self::touch_collection(&mut tx, id, &now).await?;
        let sql = format!("SELECT {ITEM_COLS} WHERE item_id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(item_id)
            .fetch_one(&mut *tx)
            .await?;
        let item = item_from_row(&row)?;
        tx.commit().await?;
        Ok(Ok((item, true)))
    }

    /// Changes an item's note, or moves it to `position` (0 is first; past
    /// the end is last), renumbering the list. False when `owner_id` owns
    /// no collection `id` holding the item.
    pub async fn update_collection_item(
        &self,
        id: &str,
        owner_id: i64,
        item_id: &str,
        note: Option<&str>,
        position: Option<usize>,
        now: Timestamp,
    ) -> Result<bool> {
        let mut tx = self.pool.begin_with(Self::DIALECT.begin_write()).await?;
        if !Self::owns_collection(&mut tx, id, owner_id).await? {
            return Ok(false);
        }
        let mut order: Vec<String> = sqlx::query_scalar(
            "SELECT item_id FROM collection_items WHERE collection_id = $1 ORDER BY position, item_id",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await?;
        let Some(at) = order.iter().position(|i| i == item_id) else {
            return Ok(false);
        };
        if let Some(note) = note {
            sqlx::query("UPDATE collection_items SET note = $1 WHERE item_id = $2")
                .bind(nul_free(note))
                .bind(item_id)
                .execute(&mut *tx)
                .await?;
        }
        if let Some(to) = position {
            let moved = order.remove(at);
            order.insert(to.min(order.len()), moved);
            for (pos, item) in order.iter().enumerate() {
                sqlx::query("UPDATE collection_items SET position = $1 WHERE item_id = $2")
                    .bind(i64::try_from(pos).unwrap_or(i64::MAX))
                    .bind(item)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        Self::touch_collection(&mut tx, id, &format_timestamp(now)).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Takes an item out of a collection; false when `owner_id` owns no
    /// collection `id` holding it.
    pub async fn remove_collection_item(
        &self,
        id: &str,
        owner_id: i64,
        item_id: &str,
        now: Timestamp,
    ) -> Result<bool> {
        let mut tx = self.pool.begin_with(Self::DIALECT.begin_write()).await?;
        if !Self::owns_collection(&mut tx, id, owner_id).await? {
            return Ok(false);
        }
        let done = sqlx::query("DELETE FROM collection_items WHERE collection_id = $1 AND item_id = $2")
            .bind(id)
            .bind(nul_free(item_id))
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        Self::touch_collection(&mut tx, id, &format_timestamp(now)).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Every paper a user saved to any of their collections: (paper id,
    /// when first saved), oldest first.
    pub async fn saved_papers_of(&self, owner_id: i64) -> Result<Vec<(String, String)>> {
        Ok(sqlx::query_as(
            "SELECT i.paper_id, MIN(i.added_at) AS added FROM collection_items i
             JOIN collections c ON c.id = i.collection_id
             WHERE c.owner_id = $1 GROUP BY i.paper_id ORDER BY added, i.paper_id",
        )
        .bind(owner_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Whether `owner_id` owns collection `id`, locking its row until the
    /// transaction ends (PostgreSQL; SQLite's write lock covers it).
    async fn owns_collection(
        tx: &mut sqlx::Transaction<'_, <Self as HasDb>::Db>,
        id: &str,
        owner_id: i64,
    ) -> Result<bool> {
        let sql = format!(
            "SELECT TRUE FROM collections WHERE id = $1 AND owner_id = $2{lock}",
            lock = Self::DIALECT.row_lock()
        );
        let owned: Option<bool> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(nul_free(id))
            .bind(owner_id)
            .fetch_optional(&mut **tx)
            .await?;
        Ok(owned.is_some())
    }

    async fn touch_collection(
        tx: &mut sqlx::Transaction<'_, <Self as HasDb>::Db>,
        id: &str,
        now: &str,
    ) -> Result<()> {
        sqlx::query("UPDATE collections SET updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }
}
