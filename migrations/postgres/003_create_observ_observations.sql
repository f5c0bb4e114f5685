-- PostgreSQL twin of sqlite/003.
CREATE TABLE observ_observations (
    id BIGSERIAL PRIMARY KEY,
    observation_id TEXT NOT NULL,
    observ_trace_id BIGINT NOT NULL REFERENCES observ_traces (id) ON DELETE CASCADE,
    parent_observation_id TEXT,
    type TEXT NOT NULL CHECK (type IN ('generation', 'span', 'event')),
    name TEXT,
    start_time TEXT NOT NULL,
    end_time TEXT,
    level TEXT DEFAULT 'DEFAULT',
    status_message TEXT,
    model TEXT,
    model_parameters JSONB DEFAULT '{}',
    input JSONB,
    output JSONB,
    usage JSONB DEFAULT '{}',
    cost_usd NUMERIC(20, 10) DEFAULT 0,
    metadata JSONB DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX index_observ_observations_on_observation_id ON observ_observations (observation_id);
CREATE INDEX index_observ_observations_on_observ_trace_id ON observ_observations (observ_trace_id);
