-- Limits that must hold across processes (and, on a shared database, across
-- app nodes): when a kind of mail last went to an address.
CREATE TABLE mail_throttle (
    recipient    TEXT NOT NULL,              -- stored lower(): one row per address in any case
    kind         TEXT NOT NULL,              -- "confirm", "reset"
    last_sent_at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (recipient, kind)
);

-- Fixed-window counters for limits that must hold across app nodes: the
-- per-account sign-in limit ("signin:<username>").
CREATE TABLE rate_counters (
    key          TEXT COLLATE "C" PRIMARY KEY,
    window_start TEXT COLLATE "C" NOT NULL,
    hits         BIGINT NOT NULL
);
