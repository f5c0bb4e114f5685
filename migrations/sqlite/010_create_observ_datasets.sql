-- Seed migration 010: a named set of test cases bound to an agent.
CREATE TABLE observ_datasets (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    agent_class TEXT NOT NULL,
    metadata TEXT DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX index_observ_datasets_on_name ON observ_datasets (name);
