-- The run a dataset's new runs are judged against (compare's default baseline,
-- the gate's baseline). Deleting that run clears it.
ALTER TABLE observ_datasets ADD COLUMN baseline_run_id INTEGER REFERENCES observ_dataset_runs (id) ON DELETE SET NULL;
