-- PostgreSQL twin of sqlite/019: API keys (only the secret's SHA-256 is stored).
CREATE TABLE observ_api_keys (
    id BIGSERIAL PRIMARY KEY,
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
