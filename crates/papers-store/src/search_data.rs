//! What the search indexes are built from, on both backends: papers in id
//! order, and the sentence-embedding vectors kept per paper and model
//! (little-endian f32s in SQLite's blobs and PostgreSQL's `bytea`).

use sqlx::Row;

use crate::dialect::{for_both_backends, json_list};
use crate::rows::Cols;
use crate::{ListedPaper, Result, rows};

pub(crate) fn to_blob(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// A `(paper_id, vector)` row of either backend.
pub(crate) fn vector_row<R: Row>(r: &R) -> Result<(String, Vec<f32>)>
where
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    for<'d> String: sqlx::Decode<'d, R::Database> + sqlx::Type<R::Database>,
    for<'d> Vec<u8>: sqlx::Decode<'d, R::Database> + sqlx::Type<R::Database>,
{
    Ok((
        r.try_get("paper_id")?,
        from_blob(&r.try_get::<Vec<u8>, _>("vector")?),
    ))
}

pub(crate) fn from_blob(b: &[u8]) -> Vec<f32> {
    b.chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

for_both_backends! {
    /// Up to `limit` papers with ids after `after`, in id order (hidden ones
    /// included, flagged by `hidden`), for building indexes in chunks.
    pub async fn papers_after(&self, after: &str, limit: u64) -> Result<Vec<(ListedPaper, bool)>> {
        let sql = format!(
            "SELECT {cols}, p.hidden AS hidden FROM {from}
             WHERE p.id > $1 ORDER BY p.id LIMIT $2",
            cols = rows::LISTED_COLUMNS,
            from = rows::PAPERS_WITH_LATEST_LISTING
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(after)
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((rows::listed_from_row(r)?, r.flag("hidden")?)))
            .collect()
    }

    /// The visible ones of `ids`, in the order asked: one read
    /// ([`papers_for_index`](Self::papers_for_index), hidden ones dropped).
    pub async fn papers_by_ids(&self, ids: &[String]) -> Result<Vec<ListedPaper>> {
        let mut found: std::collections::HashMap<String, ListedPaper> = self
            .papers_for_index(ids)
            .await?
            .into_iter()
            .filter(|(_, hidden)| !hidden)
            .map(|(p, _)| (p.paper.id.base().to_string(), p))
            .collect();
        Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
    }

    /// (visible papers, newest row), the newest by insertion order.
    pub async fn papers_fingerprint(&self) -> Result<(u64, i64)> {
        let sql = format!(
            "SELECT COUNT(*), COALESCE(MAX({seq}), 0) FROM papers WHERE NOT hidden",
            seq = Self::DIALECT.insertion_order()
        );
        let (count, max): (i64, i64) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_one(&self.pool)
            .await?;
        Ok((u64::try_from(count).unwrap_or(0), max))
    }

    /// Every visible paper id, sorted.
    pub async fn visible_paper_ids(&self) -> Result<Vec<String>> {
        Ok(
            sqlx::query_scalar("SELECT id FROM papers WHERE NOT hidden ORDER BY id")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// Up to `limit` visible papers that have no vector for `model_id` yet.
    pub async fn papers_without_vectors(
        &self,
        model_id: &str,
        limit: u64,
    ) -> Result<Vec<ListedPaper>> {
        let sql = format!(
            "SELECT {cols} FROM papers p
             LEFT JOIN daily_listings l ON l.paper_id = p.id AND FALSE
             WHERE NOT p.hidden AND NOT EXISTS
                (SELECT 1 FROM paper_vectors v WHERE v.paper_id = p.id AND v.model_id = $1)
             ORDER BY p.id LIMIT $2",
            cols = rows::LISTED_COLUMNS
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(model_id)
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(rows::listed_from_row).collect()
    }

    /// Stores vectors for `model_id`, in one transaction.
    /// Each vector is a change of the change feed, so the write takes the
    /// batch lock first (see `migrations/postgres/0007_nodes.sql`); the
    /// embedding claims of the papers are cleared.
    pub async fn put_vectors(&self, model_id: &str, vectors: &[(String, Vec<f32>)]) -> Result<()> {
        let mut tx = self.pool.begin_with(Self::DIALECT.begin_write()).await?;
        if let Some(lock) = Self::DIALECT.batch_lock() {
            sqlx::query(lock).execute(&mut *tx).await?;
        }
        let ids: Vec<&str> = vectors.iter().map(|(id, _)| id.as_str()).collect();
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM embed_claims WHERE model_id = $1 AND paper_id IN (SELECT k.value FROM {ids})",
            ids = Self::DIALECT.json_values("$2", "k")
        )))
        .bind(model_id)
        .bind(json_list(&ids))
        .execute(&mut *tx)
        .await?;
        for (id, v) in vectors {
            sqlx::query(
                "INSERT INTO paper_vectors (paper_id, model_id, dim, vector) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (paper_id, model_id) DO UPDATE SET dim = excluded.dim, vector = excluded.vector",
            )
            .bind(id)
            .bind(model_id)
            .bind(v.len() as i64)
            .bind(to_blob(v))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Up to `limit` stored vectors of `model_id` for visible papers with
    /// ids after `after`, in id order: read the whole set in chunks without
    /// holding it twice.
    pub async fn vectors_after(
        &self,
        model_id: &str,
        after: &str,
        limit: u64,
    ) -> Result<Vec<(String, Vec<f32>)>> {
        let rows = sqlx::query(
            "SELECT v.paper_id, v.vector FROM paper_vectors v JOIN papers p ON p.id = v.paper_id
             WHERE v.model_id = $1 AND NOT p.hidden AND v.paper_id > $2
             ORDER BY v.paper_id LIMIT $3",
        )
        .bind(model_id)
        .bind(after)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(vector_row).collect()
    }

    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Model ids that have vectors, with their counts.
    pub async fn vector_models(&self) -> Result<Vec<(String, u64)>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT model_id, COUNT(*) FROM paper_vectors GROUP BY model_id ORDER BY model_id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(m, n)| (m, n.max(0) as u64))
            .collect())
    }
}
