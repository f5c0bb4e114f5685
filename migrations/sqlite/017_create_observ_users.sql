-- People who sign in. role: admin (everything, users and keys) | member (read and write) | viewer (read).
-- password_hash is an Argon2id PHC string; the password itself is never stored.
CREATE TABLE observ_users (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    email TEXT NOT NULL COLLATE NOCASE,
    name TEXT NOT NULL DEFAULT '',
    role TEXT NOT NULL CHECK (role IN ('admin', 'member', 'viewer')),
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX index_observ_users_on_email ON observ_users (email);
