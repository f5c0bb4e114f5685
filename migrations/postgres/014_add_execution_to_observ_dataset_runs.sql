-- PostgreSQL twin of sqlite/014: run execution, pinned item content, event sequence.
ALTER TABLE observ_dataset_runs ADD COLUMN concurrency BIGINT NOT NULL DEFAULT 8;
ALTER TABLE observ_dataset_runs ADD COLUMN repetitions BIGINT NOT NULL DEFAULT 1;
ALTER TABLE observ_dataset_runs ADD COLUMN started_at TEXT;
ALTER TABLE observ_dataset_runs ADD COLUMN finished_at TEXT;
ALTER TABLE observ_dataset_runs ADD COLUMN event_seq BIGINT NOT NULL DEFAULT 0;

-- status: 0 pending, 1 running, 2 succeeded, 3 failed, 4 cancelled.
ALTER TABLE observ_dataset_run_items ADD COLUMN status BIGINT NOT NULL DEFAULT 0;
ALTER TABLE observ_dataset_run_items ADD COLUMN repetition BIGINT NOT NULL DEFAULT 0;
ALTER TABLE observ_dataset_run_items ADD COLUMN input JSONB;
ALTER TABLE observ_dataset_run_items ADD COLUMN expected_output JSONB;
ALTER TABLE observ_dataset_run_items ADD COLUMN output JSONB;
ALTER TABLE observ_dataset_run_items ADD COLUMN latency_ms BIGINT;
ALTER TABLE observ_dataset_run_items ADD COLUMN cost NUMERIC(20, 10) NOT NULL DEFAULT 0;
ALTER TABLE observ_dataset_run_items ADD COLUMN tokens BIGINT NOT NULL DEFAULT 0;
ALTER TABLE observ_dataset_run_items ADD COLUMN seq BIGINT;

DROP INDEX idx_run_items_on_run_and_item;
CREATE UNIQUE INDEX idx_run_items_on_run_item_and_repetition
    ON observ_dataset_run_items (dataset_run_id, dataset_item_id, repetition);
CREATE INDEX index_observ_dataset_run_items_on_run_and_status ON observ_dataset_run_items (dataset_run_id, status);
CREATE INDEX index_observ_dataset_run_items_on_run_and_seq ON observ_dataset_run_items (dataset_run_id, seq);
CREATE INDEX index_observ_dataset_runs_on_status ON observ_dataset_runs (status);
