//! What the search indexes are built from: papers in id order, and the
//! sentence-embedding vectors kept per paper and model.

use sqlx::Row;

use crate::sqlite::SqliteStore;
use crate::{ListedPaper, Result, StoreError, rows};

pub(crate) fn to_blob(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

pub(crate) fn from_blob(b: &[u8]) -> Vec<f32> {
    b.chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

impl SqliteStore {
    /// Up to `limit` papers with ids after `after`, in id order (hidden ones
    /// included, flagged by `hidden`), for building indexes in chunks.
    pub async fn papers_after(&self, after: &str, limit: u64) -> Result<Vec<(ListedPaper, bool)>> {
        let sql = format!(
            "SELECT {cols}, p.hidden AS hidden FROM {from}
             WHERE p.id > ? ORDER BY p.id LIMIT ?",
            cols = rows::LISTED_COLUMNS,
            from = rows::PAPERS_WITH_LATEST_LISTING
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(after)
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    rows::listed_from_row(r)?,
                    r.try_get::<i64, _>("hidden")? != 0,
                ))
            })
            .collect()
    }

    pub async fn papers_by_ids(&self, ids: &[String]) -> Result<Vec<ListedPaper>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {cols} FROM {from}
             WHERE p.id IN (SELECT value FROM json_each(?)) AND p.hidden = 0",
            cols = rows::LISTED_COLUMNS,
            from = rows::PAPERS_WITH_LATEST_LISTING
        );
        let wanted = serde_json::to_string(ids).map_err(|e| StoreError::Corrupt {
            what: "paper ids".into(),
            detail: e.to_string(),
        })?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(wanted)
            .fetch_all(&self.pool)
            .await?;
        let mut found: std::collections::HashMap<String, ListedPaper> = rows
            .iter()
            .map(|r| rows::listed_from_row(r).map(|p| (p.paper.id.base().to_string(), p)))
            .collect::<Result<_>>()?;
        Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
    }

    pub async fn papers_fingerprint(&self) -> Result<(u64, i64)> {
        let (count, max): (i64, i64) =
            sqlx::query_as("SELECT COUNT(*), COALESCE(MAX(rowid), 0) FROM papers WHERE hidden = 0")
                .fetch_one(&self.pool)
                .await?;
        Ok((u64::try_from(count).unwrap_or(0), max))
    }

    /// Every visible paper id, sorted.
    pub async fn visible_paper_ids(&self) -> Result<Vec<String>> {
        Ok(
            sqlx::query_scalar("SELECT id FROM papers WHERE hidden = 0 ORDER BY id")
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
             LEFT JOIN daily_listings l ON l.paper_id = p.id AND 0
             WHERE p.hidden = 0 AND NOT EXISTS
                (SELECT 1 FROM paper_vectors v WHERE v.paper_id = p.id AND v.model_id = ?)
             ORDER BY p.id LIMIT ?",
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
    pub async fn put_vectors(&self, model_id: &str, vectors: &[(String, Vec<f32>)]) -> Result<()> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        for (id, v) in vectors {
            sqlx::query(
                "INSERT INTO paper_vectors (paper_id, model_id, dim, vector) VALUES (?, ?, ?, ?)
                 ON CONFLICT(paper_id, model_id) DO UPDATE SET dim = excluded.dim, vector = excluded.vector",
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
             WHERE v.model_id = ? AND p.hidden = 0 AND v.paper_id > ? ORDER BY v.paper_id LIMIT ?",
        )
        .bind(model_id)
        .bind(after)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("paper_id")?,
                    from_blob(&r.try_get::<Vec<u8>, _>("vector")?),
                ))
            })
            .collect()
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
