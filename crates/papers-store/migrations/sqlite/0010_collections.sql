-- Collections: a reader's lists of papers, in an order, with a note per
-- paper; private or public. Ids are random 24-hex strings, like Hugging
-- Face's, and so are the items' (`_id` in its API), since paper ids of
-- the old style hold a slash and cannot be a path segment.
CREATE TABLE collections (
    id          TEXT PRIMARY KEY,
    owner_id    INTEGER NOT NULL REFERENCES users(id),
    title       TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    private     INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX collections_owner ON collections(owner_id);

CREATE TABLE collection_items (
    collection_id TEXT NOT NULL REFERENCES collections(id),
    paper_id      TEXT NOT NULL REFERENCES papers(id),
    item_id       TEXT NOT NULL UNIQUE,
    position      INTEGER NOT NULL,
    note          TEXT NOT NULL DEFAULT '',
    added_at      TEXT NOT NULL,
    PRIMARY KEY (collection_id, paper_id)
);
CREATE INDEX collection_items_paper ON collection_items(paper_id);

-- A "For you" digest: the reader's own feed by mail (a subscription made
-- while signed in, of the account in `user_id`).
ALTER TABLE subscriptions ADD COLUMN for_you INTEGER NOT NULL DEFAULT 0;
