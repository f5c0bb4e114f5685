-- Scores: how good an output was, on a run item, a trace or a session.
-- data_type: numeric | boolean | categorical; source: programmatic | manual | llm_judge.
-- An evaluator that failed leaves its error and no value (never a made-up score).
-- observ_dataset_run_id is copied from the run item so a run's aggregates read one index.
CREATE TABLE observ_scores (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NOT NULL,
    value REAL,
    string_value TEXT,
    data_type TEXT NOT NULL CHECK (data_type IN ('numeric', 'boolean', 'categorical')),
    source TEXT NOT NULL CHECK (source IN ('programmatic', 'manual', 'llm_judge')),
    passed INTEGER,
    comment TEXT,
    error TEXT,
    created_by TEXT,
    observ_dataset_run_item_id INTEGER REFERENCES observ_dataset_run_items (id) ON DELETE CASCADE,
    observ_dataset_run_id INTEGER REFERENCES observ_dataset_runs (id) ON DELETE CASCADE,
    observ_trace_id INTEGER REFERENCES observ_traces (id) ON DELETE CASCADE,
    observ_session_id INTEGER REFERENCES observ_sessions (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK ((observ_dataset_run_item_id IS NOT NULL) + (observ_trace_id IS NOT NULL) + (observ_session_id IS NOT NULL) = 1)
);
CREATE UNIQUE INDEX index_observ_scores_on_run_item_name_source
    ON observ_scores (observ_dataset_run_item_id, name, source) WHERE observ_dataset_run_item_id IS NOT NULL;
CREATE UNIQUE INDEX index_observ_scores_on_trace_name_source
    ON observ_scores (observ_trace_id, name, source) WHERE observ_trace_id IS NOT NULL;
CREATE UNIQUE INDEX index_observ_scores_on_session_name_source
    ON observ_scores (observ_session_id, name, source) WHERE observ_session_id IS NOT NULL;
CREATE INDEX index_observ_scores_on_run_and_name ON observ_scores (observ_dataset_run_id, name);
