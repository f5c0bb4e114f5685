-- Traces from users' apps (OTLP and the Langfuse SDKs).
-- Observations take the Langfuse observation types and the fields those
-- clients send; SQLite cannot widen a CHECK in place, so the table is rebuilt
-- (nothing references it; ids are kept).
CREATE TABLE observ_observations_023 (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    observation_id TEXT NOT NULL,
    observ_trace_id INTEGER NOT NULL REFERENCES observ_traces (id) ON DELETE CASCADE,
    parent_observation_id TEXT,
    type TEXT NOT NULL CHECK (type IN ('generation', 'span', 'event', 'agent', 'tool', 'chain', 'retriever',
                                       'evaluator', 'embedding', 'guardrail')),
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
    updated_at TEXT NOT NULL,
    completion_start_time TEXT,
    environment TEXT,
    version TEXT,
    cost_details TEXT
);
INSERT INTO observ_observations_023 (id, observation_id, observ_trace_id, parent_observation_id, type, name,
    start_time, end_time, level, status_message, model, model_parameters, input, output, usage, cost_usd, metadata,
    created_at, updated_at)
SELECT id, observation_id, observ_trace_id, parent_observation_id, type, name, start_time, end_time, level,
    status_message, model, model_parameters, input, output, usage, cost_usd, metadata, created_at, updated_at
FROM observ_observations;
DROP TABLE observ_observations;
ALTER TABLE observ_observations_023 RENAME TO observ_observations;
CREATE UNIQUE INDEX index_observ_observations_on_observation_id ON observ_observations (observation_id);
CREATE INDEX index_observ_observations_on_observ_trace_id ON observ_observations (observ_trace_id);

-- Traces: environment, an error flag and the latency, kept as spans arrive, so
-- the explorer filters and sorts on columns.
ALTER TABLE observ_traces ADD COLUMN environment TEXT;
ALTER TABLE observ_traces ADD COLUMN has_error INTEGER NOT NULL DEFAULT 0;
ALTER TABLE observ_traces ADD COLUMN latency_ms INTEGER;
UPDATE observ_traces SET latency_ms = CAST(ROUND((julianday(end_time) - julianday(start_time)) * 86400000) AS INTEGER)
    WHERE end_time IS NOT NULL;
CREATE INDEX index_observ_traces_on_start_time ON observ_traces (start_time, id);
CREATE INDEX index_observ_traces_on_user_id ON observ_traces (user_id, id);
CREATE INDEX index_observ_traces_on_total_cost ON observ_traces (total_cost, id);
CREATE INDEX index_observ_traces_on_latency_ms ON observ_traces (latency_ms, id);
CREATE INDEX index_observ_traces_on_total_tokens ON observ_traces (total_tokens, id);

-- Scores on one observation of a trace (a trace score names no observation).
ALTER TABLE observ_scores ADD COLUMN observation_id TEXT;
ALTER TABLE observ_scores ADD COLUMN metadata TEXT;
DROP INDEX index_observ_scores_on_trace_name_source;
CREATE UNIQUE INDEX index_observ_scores_on_trace_name_source
    ON observ_scores (observ_trace_id, name, source) WHERE observ_trace_id IS NOT NULL AND observation_id IS NULL;
CREATE UNIQUE INDEX index_observ_scores_on_observation_name_source
    ON observ_scores (observation_id, name, source) WHERE observation_id IS NOT NULL;

-- Runs Observ executes ('server') or that an SDK's experiment reported ('sdk'):
-- instances execute and resume only the former.
ALTER TABLE observ_dataset_runs ADD COLUMN origin TEXT NOT NULL DEFAULT 'server';
