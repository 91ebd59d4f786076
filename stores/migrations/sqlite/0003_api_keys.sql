-- API keys: only a keyed hash of each secret is kept; a member key names
-- its user, an admin key has none. Revoked keys stay, for the audit trail.
CREATE TABLE api_keys (
    key_id      TEXT PRIMARY KEY,
    tenant      TEXT NOT NULL,
    user        TEXT,
    secret_hash TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
);
CREATE INDEX api_keys_by_tenant ON api_keys (tenant, created_at);
