-- Manage and unsubscribe links are capabilities: every mail carries a fresh
-- token, and only its SHA-256 is kept, as for sessions and reset links. A
-- link in any mail ever sent keeps working while its subscription exists.
-- `subscriptions.manage_token` now holds "sha256:" and the hash of the
-- subscription's first token; tokens stored in the clear by earlier
-- versions are hashed and moved here when the store opens
-- (`hash_legacy_manage_tokens`: SQLite has no SHA-256 of its own).
CREATE TABLE manage_tokens (
    token_hash      TEXT PRIMARY KEY,
    subscription_id INTEGER NOT NULL REFERENCES subscriptions(id),
    created_at      TEXT NOT NULL
);
CREATE INDEX manage_tokens_subscription ON manage_tokens(subscription_id);
