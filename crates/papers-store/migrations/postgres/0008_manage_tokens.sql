-- Manage and unsubscribe links are capabilities: every mail carries a fresh
-- token, and only its SHA-256 is kept, as for sessions and reset links. A
-- link in any mail ever sent keeps working while its subscription exists.
-- `subscriptions.manage_token` now holds "sha256:" and the hash of the
-- subscription's first token; tokens stored in the clear by earlier
-- versions are hashed and moved here when the store opens
-- (`hash_legacy_manage_tokens`, one code for both backends).
CREATE TABLE manage_tokens (
    token_hash      TEXT COLLATE "C" PRIMARY KEY,
    subscription_id BIGINT NOT NULL REFERENCES subscriptions(id),
    created_at      TEXT COLLATE "C" NOT NULL
);
CREATE INDEX manage_tokens_subscription ON manage_tokens(subscription_id);
