-- Follows: an author (by author key), an arXiv category, a saved search
-- (its query), or a paper chosen as a seed of the reader's taste.
CREATE TABLE follows (
    user_id    INTEGER NOT NULL REFERENCES users(id),
    kind       TEXT NOT NULL CHECK (kind IN ('author', 'category', 'search', 'paper')),
    target     TEXT NOT NULL,
    label      TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, kind, target)
);
CREATE INDEX follows_target ON follows(kind, target);

-- In-app notifications: a reply to the reader's comment, a new paper by
-- an author they follow, code appearing on a paper they saved. `detail`
-- (the reply's id, the author's key, the code's URL) makes each one once.
CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    kind       TEXT NOT NULL CHECK (kind IN ('reply', 'author_paper', 'code')),
    paper_id   TEXT NOT NULL REFERENCES papers(id),
    detail     TEXT NOT NULL DEFAULT '',
    actor      TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    read_at    TEXT,
    UNIQUE (user_id, kind, paper_id, detail)
);
CREATE INDEX notifications_user ON notifications(user_id, id);
