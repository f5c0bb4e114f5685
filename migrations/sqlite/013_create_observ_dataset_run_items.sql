-- Seed migration 013: the result of one item in one run.
CREATE TABLE observ_dataset_run_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    dataset_run_id INTEGER NOT NULL REFERENCES observ_dataset_runs (id),
    dataset_item_id INTEGER NOT NULL REFERENCES observ_dataset_items (id),
    trace_id INTEGER REFERENCES observ_traces (id),
    observation_id INTEGER REFERENCES observ_observations (id),
    error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX index_observ_dataset_run_items_on_dataset_run_id ON observ_dataset_run_items (dataset_run_id);
CREATE INDEX index_observ_dataset_run_items_on_dataset_item_id ON observ_dataset_run_items (dataset_item_id);
CREATE INDEX index_observ_dataset_run_items_on_trace_id ON observ_dataset_run_items (trace_id);
CREATE INDEX index_observ_dataset_run_items_on_observation_id ON observ_dataset_run_items (observation_id);
CREATE UNIQUE INDEX idx_run_items_on_run_and_item ON observ_dataset_run_items (dataset_run_id, dataset_item_id);
