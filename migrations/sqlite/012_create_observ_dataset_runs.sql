-- Seed migration 012: one execution of a dataset's agent over its items.
-- status: 0 pending, 1 running, 2 completed, 3 failed (4 cancelled is Observ's addition).
CREATE TABLE observ_dataset_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    dataset_id INTEGER NOT NULL REFERENCES observ_datasets (id),
    name TEXT NOT NULL,
    description TEXT,
    status INTEGER DEFAULT 0 NOT NULL,
    metadata TEXT DEFAULT '{}',
    total_items INTEGER DEFAULT 0,
    completed_items INTEGER DEFAULT 0,
    failed_items INTEGER DEFAULT 0,
    total_cost DECIMAL(10, 6) DEFAULT 0,
    total_tokens INTEGER DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX index_observ_dataset_runs_on_dataset_id ON observ_dataset_runs (dataset_id);
CREATE UNIQUE INDEX index_observ_dataset_runs_on_dataset_id_and_name ON observ_dataset_runs (dataset_id, name);
CREATE INDEX index_observ_dataset_runs_on_dataset_id_and_status ON observ_dataset_runs (dataset_id, status);
