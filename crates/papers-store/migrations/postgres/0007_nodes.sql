-- Several app nodes on one store. See migrations/sqlite/0007_nodes.sql for
-- what each table is for.
--
-- The change feed is numbered in commit order here too: every transaction
-- that writes a change first takes the transaction-scoped advisory lock the
-- ingest batches take (key "PAPERS"; the store's writers take it before
-- their first write, the trigger takes it again as a guard), and holds it
-- until it commits. So a number is handed out only after every smaller one
-- is committed or rolled back, and a node that has read up to N never
-- misses a change numbered below N. Each change also notifies the channel
-- `papers_changes` (delivered at commit, one notification per transaction
-- and payload), which wakes the other nodes at once; they poll besides.
CREATE TABLE changes (
    seq      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind     TEXT COLLATE "C" NOT NULL CHECK (kind IN ('paper', 'vector')),
    paper_id TEXT COLLATE "C" NOT NULL,
    model_id TEXT COLLATE "C"
);

CREATE FUNCTION papers_note_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(88241449816659);
    IF TG_TABLE_NAME = 'paper_vectors' THEN
        INSERT INTO changes (kind, paper_id, model_id) VALUES ('vector', NEW.paper_id, NEW.model_id);
    ELSIF TG_TABLE_NAME = 'daily_listings' THEN
        INSERT INTO changes (kind, paper_id) VALUES ('paper', NEW.paper_id);
    ELSE
        INSERT INTO changes (kind, paper_id) VALUES ('paper', NEW.id);
    END IF;
    PERFORM pg_notify('papers_changes', 'catalog');
    RETURN NULL;
END $$;

CREATE TRIGGER papers_change_insert AFTER INSERT ON papers
    FOR EACH ROW EXECUTE FUNCTION papers_note_change();
CREATE TRIGGER papers_change_update AFTER UPDATE ON papers
    FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.abstract IS DISTINCT FROM NEW.abstract
        OR OLD.authors IS DISTINCT FROM NEW.authors OR OLD.categories IS DISTINCT FROM NEW.categories
        OR OLD.published_at IS DISTINCT FROM NEW.published_at OR OLD.hidden IS DISTINCT FROM NEW.hidden)
    EXECUTE FUNCTION papers_note_change();
CREATE TRIGGER listings_change_insert AFTER INSERT ON daily_listings
    FOR EACH ROW EXECUTE FUNCTION papers_note_change();
CREATE TRIGGER vectors_change AFTER INSERT OR UPDATE ON paper_vectors
    FOR EACH ROW EXECUTE FUNCTION papers_note_change();

-- What the pages show changes with votes and comments too: those notify
-- the other nodes' response caches (no change row: search documents do
-- not hold them).
CREATE FUNCTION papers_note_community() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('papers_changes', 'community');
    RETURN NULL;
END $$;

CREATE TRIGGER votes_notify AFTER INSERT OR UPDATE OR DELETE ON votes
    FOR EACH STATEMENT EXECUTE FUNCTION papers_note_community();
CREATE TRIGGER comments_notify AFTER INSERT OR UPDATE OR DELETE ON comments
    FOR EACH STATEMENT EXECUTE FUNCTION papers_note_community();
CREATE TRIGGER listings_notify AFTER UPDATE OR DELETE ON daily_listings
    FOR EACH STATEMENT EXECUTE FUNCTION papers_note_community();

CREATE TABLE jobs (
    name          TEXT COLLATE "C" PRIMARY KEY,
    every         TEXT,
    holder        TEXT,
    lease_until   TEXT COLLATE "C",
    next_run      TEXT COLLATE "C",
    last_started  TEXT COLLATE "C",
    last_finished TEXT COLLATE "C",
    last_status   TEXT,
    last_message  TEXT,
    last_node     TEXT
);

CREATE TABLE embed_claims (
    paper_id TEXT COLLATE "C" NOT NULL REFERENCES papers(id),
    model_id TEXT COLLATE "C" NOT NULL,
    holder   TEXT NOT NULL,
    until    TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (paper_id, model_id)
);
