-- Limits that must hold across processes (and, on a shared database, across
-- app nodes): when a kind of mail last went to an address.
CREATE TABLE mail_throttle (
    recipient    TEXT NOT NULL COLLATE NOCASE,
    kind         TEXT NOT NULL,              -- "confirm", "reset"
    last_sent_at TEXT NOT NULL,
    PRIMARY KEY (recipient, kind)
);
