-- PostgreSQL twin of sqlite/013 (seed migration 013).
CREATE TABLE observ_dataset_run_items (
    id BIGSERIAL PRIMARY KEY,
    dataset_run_id BIGINT NOT NULL REFERENCES observ_dataset_runs (id),
    dataset_item_id BIGINT NOT NULL REFERENCES observ_dataset_items (id),
    trace_id BIGINT REFERENCES observ_traces (id),
    observation_id BIGINT REFERENCES observ_observations (id),
    error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX index_observ_dataset_run_items_on_dataset_run_id ON observ_dataset_run_items (dataset_run_id);
CREATE INDEX index_observ_dataset_run_items_on_dataset_item_id ON observ_dataset_run_items (dataset_item_id);
CREATE INDEX index_observ_dataset_run_items_on_trace_id ON observ_dataset_run_items (trace_id);
CREATE INDEX index_observ_dataset_run_items_on_observation_id ON observ_dataset_run_items (observation_id);
CREATE UNIQUE INDEX idx_run_items_on_run_and_item ON observ_dataset_run_items (dataset_run_id, dataset_item_id);
