-- PostgreSQL twin of sqlite/015: scores on a run item, a trace or a session.
CREATE TABLE observ_scores (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    value DOUBLE PRECISION,
    string_value TEXT,
    data_type TEXT NOT NULL CHECK (data_type IN ('numeric', 'boolean', 'categorical')),
    source TEXT NOT NULL CHECK (source IN ('programmatic', 'manual', 'llm_judge')),
    passed BIGINT,
    comment TEXT,
    error TEXT,
    created_by TEXT,
    observ_dataset_run_item_id BIGINT REFERENCES observ_dataset_run_items (id) ON DELETE CASCADE,
    observ_dataset_run_id BIGINT REFERENCES observ_dataset_runs (id) ON DELETE CASCADE,
    observ_trace_id BIGINT REFERENCES observ_traces (id) ON DELETE CASCADE,
    observ_session_id BIGINT REFERENCES observ_sessions (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK (num_nonnulls(observ_dataset_run_item_id, observ_trace_id, observ_session_id) = 1)
);
CREATE UNIQUE INDEX index_observ_scores_on_run_item_name_source
    ON observ_scores (observ_dataset_run_item_id, name, source) WHERE observ_dataset_run_item_id IS NOT NULL;
CREATE UNIQUE INDEX index_observ_scores_on_trace_name_source
    ON observ_scores (observ_trace_id, name, source) WHERE observ_trace_id IS NOT NULL;
CREATE UNIQUE INDEX index_observ_scores_on_session_name_source
    ON observ_scores (observ_session_id, name, source) WHERE observ_session_id IS NOT NULL;
CREATE INDEX index_observ_scores_on_run_and_name ON observ_scores (observ_dataset_run_id, name);
