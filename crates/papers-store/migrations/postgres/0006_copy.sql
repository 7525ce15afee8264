-- `papers store copy` into this store: what it copies from, and table by
-- table the key of the last row it copied, so that a rerun after an
-- interruption continues where it stopped and no other copy mixes in.
CREATE TABLE store_copy (
    id          BIGINT PRIMARY KEY CHECK (id = 1),   -- one copy per store
    source      TEXT NOT NULL,                       -- the store copied from (its URL, no password)
    started_at  TEXT COLLATE "C" NOT NULL,
    finished_at TEXT COLLATE "C"                     -- every table copied and checked
);

CREATE TABLE store_copy_progress (
    table_name  TEXT COLLATE "C" PRIMARY KEY,
    last_key    TEXT NOT NULL,                       -- JSON array: the key of the last row copied
    copied_rows BIGINT NOT NULL
);
