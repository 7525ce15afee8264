-- Community features: password resets, and what the first schema lacked for
-- submissions and moderation.

CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,               -- sha256 of the emailed token
    user_id    BIGINT NOT NULL REFERENCES users(id),
    created_at TEXT COLLATE "C" NOT NULL,
    expires_at TEXT COLLATE "C" NOT NULL,
    used_at    TEXT COLLATE "C"
);

CREATE INDEX daily_listings_submitter_user ON daily_listings(submitter_user_id, day);
CREATE INDEX daily_listings_day_position ON daily_listings(day, position);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX api_tokens_user ON api_tokens(user_id);
