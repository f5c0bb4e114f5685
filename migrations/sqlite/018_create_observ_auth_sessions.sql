-- Browser sign-ins. The cookie holds a random token; only its SHA-256 is stored,
-- so a copy of the database does not sign anyone in. Deleting a row revokes it.
-- Times are Unix milliseconds so expiry is one indexed comparison.
CREATE TABLE observ_auth_sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES observ_users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL
);
CREATE UNIQUE INDEX index_observ_auth_sessions_on_token_hash ON observ_auth_sessions (token_hash);
CREATE INDEX index_observ_auth_sessions_on_user_id ON observ_auth_sessions (user_id);
