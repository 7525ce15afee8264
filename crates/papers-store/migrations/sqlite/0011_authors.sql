-- Authors. `paper_authors` is derived from `papers.authors` (a JSON array):
-- one row per author of a paper, keyed by papers_core::author_key (NFKD,
-- combining marks dropped, lower case, one space), so that an author's
-- papers and co-authors are index lookups rather than a scan of every
-- paper's JSON. The ingest batch rewrites a paper's rows in its
-- transaction; rows for papers stored before this migration are filled in
-- when the store opens (the key is computed in Rust, not in SQL).
CREATE TABLE paper_authors (
    paper_id TEXT NOT NULL REFERENCES papers(id),
    position INTEGER NOT NULL,           -- 0-based, in the paper's order
    name_key TEXT NOT NULL,
    name     TEXT NOT NULL,              -- as the paper writes it
    PRIMARY KEY (paper_id, position)
);
CREATE INDEX paper_authors_key ON paper_authors(name_key, paper_id);

-- A reader's claim to be one of a paper's authors; an admin verifies or
-- rejects it. One claim per reader and paper; one verified claim per
-- author of a paper.
CREATE TABLE authorship_claims (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    paper_id    TEXT NOT NULL REFERENCES papers(id),
    author_name TEXT NOT NULL,
    name_key    TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'verified', 'rejected')),
    created_at  TEXT NOT NULL,
    decided_at  TEXT,
    UNIQUE (user_id, paper_id)
);
CREATE UNIQUE INDEX authorship_claims_verified
    ON authorship_claims(paper_id, name_key) WHERE status = 'verified';
CREATE INDEX authorship_claims_status ON authorship_claims(status, id);
