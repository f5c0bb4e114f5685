-- One trace per request to an LLM application (and per dataset-run item).
CREATE TABLE observ_traces (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    trace_id TEXT NOT NULL,
    observ_session_id INTEGER REFERENCES observ_sessions (id) ON DELETE CASCADE,
    name TEXT,
    start_time TEXT NOT NULL,
    end_time TEXT,
    input TEXT,
    output TEXT,
    metadata TEXT DEFAULT '{}',
    tags TEXT DEFAULT '[]',
    user_id TEXT,
    release TEXT,
    version TEXT,
    total_cost DECIMAL(10, 6) DEFAULT 0,
    total_tokens INTEGER DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX index_observ_traces_on_trace_id ON observ_traces (trace_id);
CREATE INDEX index_observ_traces_on_observ_session_id ON observ_traces (observ_session_id);
CREATE INDEX index_observ_traces_on_name ON observ_traces (name);
