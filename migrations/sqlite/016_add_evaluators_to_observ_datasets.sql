-- The evaluators a dataset's runs are scored with: a JSON array of
-- {"name", "type", ...settings}.
ALTER TABLE observ_datasets ADD COLUMN evaluators TEXT NOT NULL DEFAULT '[]';
