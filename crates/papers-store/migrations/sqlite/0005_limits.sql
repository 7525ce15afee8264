-- Limits that must hold across processes (and, on a shared database, across
-- app nodes): when a kind of mail last went to an address.
CREATE TABLE mail_throttle (
    recipient    TEXT NOT NULL COLLATE NOCASE,
    kind         TEXT NOT NULL,              -- "confirm", "reset"
    last_sent_at TEXT NOT NULL,
    PRIMARY KEY (recipient, kind)
);

-- Fixed-window counters for limits that must hold across processes: the
-- per-account sign-in limit ("signin:<username>").
CREATE TABLE rate_counters (
    key          TEXT PRIMARY KEY,
    window_start TEXT NOT NULL,
    hits         INTEGER NOT NULL
);
