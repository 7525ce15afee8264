-- Email subscriptions (double opt-in), what each digest sent, and a
-- per-subscription record of papers already mailed.

CREATE TABLE subscriptions (
    id                 INTEGER PRIMARY KEY,
    email              TEXT NOT NULL COLLATE NOCASE,
    cadence            TEXT NOT NULL CHECK (cadence IN ('daily', 'weekly')),
    query              TEXT,                      -- a saved search, or NULL
    categories         TEXT,                      -- JSON array of arXiv categories, or NULL
    dedup_key          TEXT NOT NULL UNIQUE,      -- email + cadence + content, normalised
    status             TEXT NOT NULL CHECK (status IN ('pending', 'active', 'paused', 'unsubscribed')),
    confirm_token_hash TEXT UNIQUE,
    confirm_expires_at TEXT,
    manage_token       TEXT NOT NULL UNIQUE,       -- capability in every mail's manage/unsubscribe links
    user_id            INTEGER REFERENCES users(id),
    hard_bounces       INTEGER NOT NULL DEFAULT 0,
    created_at         TEXT NOT NULL,
    confirmed_at       TEXT
);
CREATE INDEX subscriptions_email ON subscriptions(email);
CREATE INDEX subscriptions_due ON subscriptions(status, cadence);

-- One row per subscription and period: the deduplication key of a digest.
CREATE TABLE digest_sends (
    subscription_id INTEGER NOT NULL REFERENCES subscriptions(id),
    period          TEXT NOT NULL,                -- "daily:2026-08-21" or "weekly:2026-W34"
    status          TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'failed', 'empty')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    papers          INTEGER NOT NULL DEFAULT 0,
    error           TEXT,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (subscription_id, period)
);

-- Never the same paper twice to the same subscription.
CREATE TABLE subscription_papers (
    subscription_id INTEGER NOT NULL REFERENCES subscriptions(id),
    paper_id        TEXT NOT NULL REFERENCES papers(id),
    period          TEXT NOT NULL,
    PRIMARY KEY (subscription_id, paper_id)
);
