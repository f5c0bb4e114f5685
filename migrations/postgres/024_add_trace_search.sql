-- PostgreSQL twin of sqlite/024: full-text search over input and output.
ALTER TABLE observ_traces ADD COLUMN search tsvector GENERATED ALWAYS AS (
    to_tsvector('simple', COALESCE(input::text, '') || ' ' || COALESCE(output::text, ''))
) STORED;
CREATE INDEX index_observ_traces_on_search ON observ_traces USING gin (search);
CREATE INDEX index_observ_traces_on_environment ON observ_traces (environment, id);
CREATE INDEX index_observ_traces_on_tags ON observ_traces USING gin (tags);
