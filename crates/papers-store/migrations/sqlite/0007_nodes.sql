-- Several app nodes on one store (and, on SQLite, the one node and the
-- commands beside it).
--
-- The change feed: a row for every change to what the search indexes are
-- built from, numbered in commit order (SQLite serialises writers). Each
-- node's indexes follow it from the last number they applied. Triggers
-- write it, so no write path can forget to. Votes and comment counts do not
-- change a search document, and are not in it.
CREATE TABLE changes (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    kind     TEXT NOT NULL CHECK (kind IN ('paper', 'vector')),
    paper_id TEXT NOT NULL,
    model_id TEXT                                   -- 'vector' rows: the model
);

CREATE TRIGGER papers_change_insert AFTER INSERT ON papers
BEGIN
    INSERT INTO changes (kind, paper_id) VALUES ('paper', NEW.id);
END;

CREATE TRIGGER papers_change_update AFTER UPDATE ON papers
WHEN OLD.title IS NOT NEW.title OR OLD.abstract IS NOT NEW.abstract
  OR OLD.authors IS NOT NEW.authors OR OLD.categories IS NOT NEW.categories
  OR OLD.published_at IS NOT NEW.published_at OR OLD.hidden IS NOT NEW.hidden
BEGIN
    INSERT INTO changes (kind, paper_id) VALUES ('paper', NEW.id);
END;

CREATE TRIGGER listings_change_insert AFTER INSERT ON daily_listings
BEGIN
    INSERT INTO changes (kind, paper_id) VALUES ('paper', NEW.paper_id);
END;

CREATE TRIGGER vectors_change_insert AFTER INSERT ON paper_vectors
BEGIN
    INSERT INTO changes (kind, paper_id, model_id) VALUES ('vector', NEW.paper_id, NEW.model_id);
END;

CREATE TRIGGER vectors_change_update AFTER UPDATE ON paper_vectors
BEGIN
    INSERT INTO changes (kind, paper_id, model_id) VALUES ('vector', NEW.paper_id, NEW.model_id);
END;

-- Jobs that must run on one node at a time (harvests, digests, upkeep):
-- the lease (who holds it, until when) and the schedule's record.
CREATE TABLE jobs (
    name          TEXT PRIMARY KEY,
    every         TEXT,                              -- its schedule, as the nodes run it
    holder        TEXT,                              -- the node running it, while it runs
    lease_until   TEXT,                              -- the lease lapses then
    next_run      TEXT,                              -- when it is due
    last_started  TEXT,
    last_finished TEXT,
    last_status   TEXT,                              -- 'ok' | 'failed'
    last_message  TEXT,
    last_node     TEXT                               -- the node that ran it last
);

-- The embedding backfill, shared by every node: a node claims a batch of
-- papers for a while, so that no two nodes embed the same paper.
CREATE TABLE embed_claims (
    paper_id TEXT NOT NULL REFERENCES papers(id),
    model_id TEXT NOT NULL,
    holder   TEXT NOT NULL,
    until    TEXT NOT NULL,
    PRIMARY KEY (paper_id, model_id)
);
