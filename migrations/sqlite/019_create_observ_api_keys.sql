-- API keys, a pair as in Langfuse: the public key names the key, the secret proves it.
-- Only the secret's SHA-256 is stored; secret_hint (its last 4 characters) lets people tell keys apart.
-- created_by is the creating user's email, or 'cli' for keys made with `observ keys create`.
-- Revoking deletes the row, so a revoked key fails at once.
CREATE TABLE observ_api_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'member', 'viewer')),
    public_key TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    secret_hint TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_used_at TEXT
);
CREATE UNIQUE INDEX index_observ_api_keys_on_public_key ON observ_api_keys (public_key);
CREATE UNIQUE INDEX index_observ_api_keys_on_secret_hash ON observ_api_keys (secret_hash);
