-- Generations (LLM calls), spans (timed steps) and events inside a trace.
CREATE TABLE observ_observations (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    observation_id TEXT NOT NULL,
    observ_trace_id INTEGER NOT NULL REFERENCES observ_traces (id) ON DELETE CASCADE,
    parent_observation_id TEXT,
    type TEXT NOT NULL CHECK (type IN ('generation', 'span', 'event')),
    name TEXT,
    start_time TEXT NOT NULL,
    end_time TEXT,
    level TEXT DEFAULT 'DEFAULT',
    status_message TEXT,
    model TEXT,
    model_parameters TEXT DEFAULT '{}',
    input TEXT,
    output TEXT,
    usage TEXT DEFAULT '{}',
    cost_usd DECIMAL(10, 6) DEFAULT 0,
    metadata TEXT DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX index_observ_observations_on_observation_id ON observ_observations (observation_id);
CREATE INDEX index_observ_observations_on_observ_trace_id ON observ_observations (observ_trace_id);
