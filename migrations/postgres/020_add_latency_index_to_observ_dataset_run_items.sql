-- PostgreSQL twin of sqlite/020: a run's latency percentiles walk this index.
CREATE INDEX index_observ_dataset_run_items_on_run_and_latency
    ON observ_dataset_run_items (dataset_run_id, latency_ms) WHERE latency_ms IS NOT NULL;
