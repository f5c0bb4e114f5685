-- Full-text search over traces' input and output (FTS5, kept by triggers).
CREATE VIRTUAL TABLE observ_traces_fts USING fts5(
    input, output, content = 'observ_traces', content_rowid = 'id'
);
CREATE TRIGGER observ_traces_fts_insert AFTER INSERT ON observ_traces BEGIN
    INSERT INTO observ_traces_fts (rowid, input, output) VALUES (new.id, new.input, new.output);
END;
CREATE TRIGGER observ_traces_fts_delete AFTER DELETE ON observ_traces BEGIN
    INSERT INTO observ_traces_fts (observ_traces_fts, rowid, input, output)
        VALUES ('delete', old.id, old.input, old.output);
END;
CREATE TRIGGER observ_traces_fts_update AFTER UPDATE OF input, output ON observ_traces BEGIN
    INSERT INTO observ_traces_fts (observ_traces_fts, rowid, input, output)
        VALUES ('delete', old.id, old.input, old.output);
    INSERT INTO observ_traces_fts (rowid, input, output) VALUES (new.id, new.input, new.output);
END;
INSERT INTO observ_traces_fts (observ_traces_fts) VALUES ('rebuild');
-- No index on environment: a few values, each common; SQLite would pick it over
-- the sort's index and sort every matching trace.
