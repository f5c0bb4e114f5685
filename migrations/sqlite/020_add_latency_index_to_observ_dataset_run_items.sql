-- A run's latency percentiles are read by walking this index to the rank
-- (no sort, no transfer of every latency) on each GET of a run.
CREATE INDEX index_observ_dataset_run_items_on_run_and_latency
    ON observ_dataset_run_items (dataset_run_id, latency_ms) WHERE latency_ms IS NOT NULL;
