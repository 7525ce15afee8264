-- Limits that must hold across processes (and, on a shared database, across
-- app nodes): when a kind of mail last went to an address.
CREATE TABLE mail_throttle (
    recipient    TEXT NOT NULL,              -- stored lower(): one row per address in any case
    kind         TEXT NOT NULL,              -- "confirm", "reset"
    last_sent_at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (recipient, kind)
);
