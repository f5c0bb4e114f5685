-- Sessions group the traces of one conversation or one dataset-run item.
-- JSON lives in TEXT columns: SQLite would give a column declared JSON numeric
-- affinity and turn the JSON text `42` into the integer 42.
-- Timestamps are RFC 3339 UTC text ('2026-11-25T09:34:14.123Z').
CREATE TABLE observ_sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    session_id TEXT NOT NULL,
    user_id TEXT,
    start_time TEXT NOT NULL,
    end_time TEXT,
    metadata TEXT DEFAULT '{}',
    total_traces_count INTEGER DEFAULT 0,
    total_tokens INTEGER DEFAULT 0,
    total_cost DECIMAL(10, 6) DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX index_observ_sessions_on_session_id ON observ_sessions (session_id);
CREATE INDEX index_observ_sessions_on_user_id ON observ_sessions (user_id);
