-- Daily Papers schema, SQLite flavour. Timestamps are RFC 3339 UTC text with
-- milliseconds ("2026-08-21T00:00:00.000Z"), so they sort as text; days are
-- "YYYY-MM-DD". JSON columns hold arrays/objects verbatim.

CREATE TABLE papers (
    id                TEXT PRIMARY KEY,          -- normalised arXiv id, no version
    version           INTEGER,                   -- latest version seen
    title             TEXT NOT NULL,
    abstract          TEXT NOT NULL,
    authors           TEXT NOT NULL,             -- JSON array of authors, in order
    author_count      INTEGER NOT NULL,
    categories        TEXT NOT NULL,             -- JSON array, primary first
    primary_category  TEXT,
    published_at      TEXT,                      -- arXiv date (v1)
    updated_at        TEXT,                      -- arXiv date (latest version)
    github_repo       TEXT,
    github_stars      INTEGER,
    project_page      TEXT,
    ai_summary        TEXT,
    ai_keywords       TEXT,                      -- JSON array
    doi               TEXT,
    journal_ref       TEXT,
    arxiv_comments    TEXT,
    discussion_id     TEXT,
    organization      TEXT,                      -- JSON object (Hugging Face)
    upvotes_baseline  INTEGER NOT NULL DEFAULT 0, -- imported from a source
    comments_baseline INTEGER NOT NULL DEFAULT 0, -- imported from a source
    local_votes       INTEGER NOT NULL DEFAULT 0, -- votes cast here (kept equal to COUNT(votes))
    local_comments    INTEGER NOT NULL DEFAULT 0, -- visible comments written here
    hidden            INTEGER NOT NULL DEFAULT 0,
    created_at        TEXT NOT NULL
);
CREATE INDEX papers_primary_category ON papers(primary_category);
CREATE INDEX papers_published_at ON papers(published_at);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL COLLATE NOCASE UNIQUE,
    email         TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
    banned        INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL
);

-- A paper featured on the feed on one day. `day` is submittedOnDailyAt's date;
-- the paper's own publishedAt (the arXiv date) lives in `papers`.
CREATE TABLE daily_listings (
    day                     TEXT NOT NULL,
    paper_id                TEXT NOT NULL REFERENCES papers(id),
    position                INTEGER NOT NULL,
    submitted_at            TEXT,
    item_published_at       TEXT,
    submitter_name          TEXT,
    submitter               TEXT,                -- JSON object, verbatim
    submitter_user_id       INTEGER REFERENCES users(id),
    comment                 TEXT,
    thumbnail               TEXT,
    is_author_participating INTEGER,
    PRIMARY KEY (day, paper_id)
);
CREATE INDEX daily_listings_paper ON daily_listings(paper_id, day);
CREATE INDEX daily_listings_submitter ON daily_listings(submitter_name COLLATE NOCASE, day);

CREATE TABLE sessions (
    id_hash    TEXT PRIMARY KEY,                 -- sha256 of the cookie value
    user_id    INTEGER NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
);

CREATE TABLE votes (
    user_id    INTEGER NOT NULL REFERENCES users(id),
    paper_id   TEXT NOT NULL REFERENCES papers(id),
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, paper_id)
);
CREATE INDEX votes_paper ON votes(paper_id);

CREATE TABLE comments (
    id         INTEGER PRIMARY KEY,
    paper_id   TEXT NOT NULL REFERENCES papers(id),
    user_id    INTEGER NOT NULL REFERENCES users(id),
    parent_id  INTEGER REFERENCES comments(id),
    body       TEXT NOT NULL,                    -- Markdown source
    created_at TEXT NOT NULL,
    edited_at  TEXT,
    deleted_at TEXT,
    hidden     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX comments_paper ON comments(paper_id, id);

-- Where a harvester stopped (e.g. an OAI-PMH resumptionToken), so a rerun resumes.
CREATE TABLE harvest_cursors (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
