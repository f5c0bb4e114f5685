-- PostgreSQL twin of sqlite/017. Emails are unique ignoring case (SQLite's COLLATE NOCASE).
CREATE TABLE observ_users (
    id BIGSERIAL PRIMARY KEY,
    email TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    role TEXT NOT NULL CHECK (role IN ('admin', 'member', 'viewer')),
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX index_observ_users_on_email ON observ_users (lower(email));
