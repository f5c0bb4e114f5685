-- PostgreSQL twin of sqlite/002.
CREATE TABLE observ_traces (
    id BIGSERIAL PRIMARY KEY,
    trace_id TEXT NOT NULL,
    observ_session_id BIGINT REFERENCES observ_sessions (id) ON DELETE CASCADE,
    name TEXT,
    start_time TEXT NOT NULL,
    end_time TEXT,
    input JSONB,
    output JSONB,
    metadata JSONB DEFAULT '{}',
    tags JSONB DEFAULT '[]',
    user_id TEXT,
    release TEXT,
    version TEXT,
    total_cost NUMERIC(20, 10) DEFAULT 0,
    total_tokens BIGINT DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX index_observ_traces_on_trace_id ON observ_traces (trace_id);
CREATE INDEX index_observ_traces_on_observ_session_id ON observ_traces (observ_session_id);
CREATE INDEX index_observ_traces_on_name ON observ_traces (name);
