-- PostgreSQL twin of sqlite/010 (seed migration 010).
CREATE TABLE observ_datasets (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT,
    agent_class TEXT NOT NULL,
    metadata JSONB DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX index_observ_datasets_on_name ON observ_datasets (name);
