-- PostgreSQL twin of sqlite/023: traces from users' apps (OTLP, Langfuse SDKs).
ALTER TABLE observ_observations DROP CONSTRAINT observ_observations_type_check;
ALTER TABLE observ_observations ADD CONSTRAINT observ_observations_type_check
    CHECK (type IN ('generation', 'span', 'event', 'agent', 'tool', 'chain', 'retriever', 'evaluator', 'embedding',
                    'guardrail'));
ALTER TABLE observ_observations ADD COLUMN completion_start_time TEXT;
ALTER TABLE observ_observations ADD COLUMN environment TEXT;
ALTER TABLE observ_observations ADD COLUMN version TEXT;
ALTER TABLE observ_observations ADD COLUMN cost_details JSONB;

ALTER TABLE observ_traces ADD COLUMN environment TEXT;
ALTER TABLE observ_traces ADD COLUMN has_error INTEGER NOT NULL DEFAULT 0;
ALTER TABLE observ_traces ADD COLUMN latency_ms BIGINT;
UPDATE observ_traces
    SET latency_ms = round(extract(epoch FROM (end_time::timestamptz - start_time::timestamptz)) * 1000)::bigint
    WHERE end_time IS NOT NULL;
CREATE INDEX index_observ_traces_on_start_time ON observ_traces (start_time, id);
CREATE INDEX index_observ_traces_on_user_id ON observ_traces (user_id, id);
CREATE INDEX index_observ_traces_on_total_cost ON observ_traces (total_cost, id);
CREATE INDEX index_observ_traces_on_latency_ms ON observ_traces (latency_ms, id);
CREATE INDEX index_observ_traces_on_total_tokens ON observ_traces (total_tokens, id);

ALTER TABLE observ_scores ADD COLUMN observation_id TEXT;
ALTER TABLE observ_scores ADD COLUMN metadata JSONB;
DROP INDEX index_observ_scores_on_trace_name_source;
CREATE UNIQUE INDEX index_observ_scores_on_trace_name_source
    ON observ_scores (observ_trace_id, name, source) WHERE observ_trace_id IS NOT NULL AND observation_id IS NULL;
CREATE UNIQUE INDEX index_observ_scores_on_observation_name_source
    ON observ_scores (observation_id, name, source) WHERE observation_id IS NOT NULL;

-- Runs Observ executes ('server') or that an SDK's experiment reported ('sdk'):
-- instances execute and resume only the former.
ALTER TABLE observ_dataset_runs ADD COLUMN origin TEXT NOT NULL DEFAULT 'server';
