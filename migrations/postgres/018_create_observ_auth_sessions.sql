-- PostgreSQL twin of sqlite/018: browser sign-ins (only the token's SHA-256 is stored).
CREATE TABLE observ_auth_sessions (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES observ_users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    expires_at_ms BIGINT NOT NULL
);
CREATE UNIQUE INDEX index_observ_auth_sessions_on_token_hash ON observ_auth_sessions (token_hash);
CREATE INDEX index_observ_auth_sessions_on_user_id ON observ_auth_sessions (user_id);
