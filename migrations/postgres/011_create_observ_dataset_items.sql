-- PostgreSQL twin of sqlite/011 (seed migration 011). status: 0 active, 1 archived.
CREATE TABLE observ_dataset_items (
    id BIGSERIAL PRIMARY KEY,
    dataset_id BIGINT NOT NULL REFERENCES observ_datasets (id),
    status BIGINT DEFAULT 0 NOT NULL,
    input JSONB NOT NULL,
    expected_output JSONB,
    metadata JSONB DEFAULT '{}',
    source_trace_id BIGINT REFERENCES observ_traces (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX index_observ_dataset_items_on_dataset_id ON observ_dataset_items (dataset_id);
CREATE INDEX index_observ_dataset_items_on_source_trace_id ON observ_dataset_items (source_trace_id);
CREATE INDEX index_observ_dataset_items_on_dataset_id_and_status ON observ_dataset_items (dataset_id, status);
