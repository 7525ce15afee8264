-- What a reader has said about papers besides votes: "not interested"
-- (undoable), a signal for the personal feed.
CREATE TABLE not_interested (
    user_id    BIGINT NOT NULL REFERENCES users(id),
    paper_id   TEXT COLLATE "C" NOT NULL REFERENCES papers(id),
    created_at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (user_id, paper_id)
);
