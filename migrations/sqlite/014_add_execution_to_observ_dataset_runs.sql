-- Run execution (issue: runs). A run pins the content it ran: each run item keeps
-- the item's input and expected output as they were when the run was created.
ALTER TABLE observ_dataset_runs ADD COLUMN concurrency INTEGER NOT NULL DEFAULT 8;
ALTER TABLE observ_dataset_runs ADD COLUMN repetitions INTEGER NOT NULL DEFAULT 1;
ALTER TABLE observ_dataset_runs ADD COLUMN started_at TEXT;
ALTER TABLE observ_dataset_runs ADD COLUMN finished_at TEXT;
-- Sequence of finished-item events, for SSE ids and Last-Event-ID resume.
ALTER TABLE observ_dataset_runs ADD COLUMN event_seq INTEGER NOT NULL DEFAULT 0;

-- status: 0 pending, 1 running, 2 succeeded, 3 failed, 4 cancelled.
ALTER TABLE observ_dataset_run_items ADD COLUMN status INTEGER NOT NULL DEFAULT 0;
ALTER TABLE observ_dataset_run_items ADD COLUMN repetition INTEGER NOT NULL DEFAULT 0;
ALTER TABLE observ_dataset_run_items ADD COLUMN input TEXT;
ALTER TABLE observ_dataset_run_items ADD COLUMN expected_output TEXT;
ALTER TABLE observ_dataset_run_items ADD COLUMN output TEXT;
ALTER TABLE observ_dataset_run_items ADD COLUMN latency_ms INTEGER;
ALTER TABLE observ_dataset_run_items ADD COLUMN cost DECIMAL(10, 6) NOT NULL DEFAULT 0;
ALTER TABLE observ_dataset_run_items ADD COLUMN tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE observ_dataset_run_items ADD COLUMN seq INTEGER;

-- With repetitions an item runs more than once in a run: the seed's unique
-- (run, item) index becomes unique (run, item, repetition).
DROP INDEX idx_run_items_on_run_and_item;
CREATE UNIQUE INDEX idx_run_items_on_run_item_and_repetition
    ON observ_dataset_run_items (dataset_run_id, dataset_item_id, repetition);
CREATE INDEX index_observ_dataset_run_items_on_run_and_status ON observ_dataset_run_items (dataset_run_id, status);
CREATE INDEX index_observ_dataset_run_items_on_run_and_seq ON observ_dataset_run_items (dataset_run_id, seq);
CREATE INDEX index_observ_dataset_runs_on_status ON observ_dataset_runs (status);
