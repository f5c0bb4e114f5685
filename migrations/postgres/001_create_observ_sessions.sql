-- PostgreSQL twin of sqlite/001: same tables, columns and indexes, in this dialect.
-- JSON is jsonb, money numeric, ids and counts bigint. Timestamps stay RFC 3339 UTC
-- text ('2026-11-25T09:34:14.123Z'), as on SQLite: they sort and compare the same
-- on both backends and are what the API speaks.
CREATE TABLE observ_sessions (
    id BIGSERIAL PRIMARY KEY,
    session_id TEXT NOT NULL,
    user_id TEXT,
    start_time TEXT NOT NULL,
    end_time TEXT,
    metadata JSONB DEFAULT '{}',
    total_traces_count BIGINT DEFAULT 0,
    total_tokens BIGINT DEFAULT 0,
    total_cost NUMERIC(20, 10) DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX index_observ_sessions_on_session_id ON observ_sessions (session_id);
CREATE INDEX index_observ_sessions_on_user_id ON observ_sessions (user_id);
