-- PostgreSQL twin of sqlite/012 (seed migration 012).
-- status: 0 pending, 1 running, 2 completed, 3 failed, 4 cancelled.
CREATE TABLE observ_dataset_runs (
    id BIGSERIAL PRIMARY KEY,
    dataset_id BIGINT NOT NULL REFERENCES observ_datasets (id),
    name TEXT NOT NULL,
    description TEXT,
    status BIGINT DEFAULT 0 NOT NULL,
    metadata JSONB DEFAULT '{}',
    total_items BIGINT DEFAULT 0,
    completed_items BIGINT DEFAULT 0,
    failed_items BIGINT DEFAULT 0,
    total_cost NUMERIC(20, 10) DEFAULT 0,
    total_tokens BIGINT DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX index_observ_dataset_runs_on_dataset_id ON observ_dataset_runs (dataset_id);
CREATE UNIQUE INDEX index_observ_dataset_runs_on_dataset_id_and_name ON observ_dataset_runs (dataset_id, name);
CREATE INDEX index_observ_dataset_runs_on_dataset_id_and_status ON observ_dataset_runs (dataset_id, status);
