-- PostgreSQL twin of sqlite/016: a dataset's evaluators, a JSON array.
ALTER TABLE observ_datasets ADD COLUMN evaluators JSONB NOT NULL DEFAULT '[]';
