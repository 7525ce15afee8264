-- What a reader has said about papers besides votes: "not interested"
-- (undoable), a signal for the personal feed.
CREATE TABLE not_interested (
    user_id    INTEGER NOT NULL REFERENCES users(id),
    paper_id   TEXT NOT NULL REFERENCES papers(id),
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, paper_id)
);
