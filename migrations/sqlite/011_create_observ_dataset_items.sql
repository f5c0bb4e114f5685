-- Seed migration 011: one test case. status: 0 active, 1 archived.
-- t.references adds an index per reference, as Rails does.
CREATE TABLE observ_dataset_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    dataset_id INTEGER NOT NULL REFERENCES observ_datasets (id),
    status INTEGER DEFAULT 0 NOT NULL,
    input TEXT NOT NULL,
    expected_output TEXT,
    metadata TEXT DEFAULT '{}',
    source_trace_id INTEGER REFERENCES observ_traces (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX index_observ_dataset_items_on_dataset_id ON observ_dataset_items (dataset_id);
CREATE INDEX index_observ_dataset_items_on_source_trace_id ON observ_dataset_items (source_trace_id);
CREATE INDEX index_observ_dataset_items_on_dataset_id_and_status ON observ_dataset_items (dataset_id, status);
