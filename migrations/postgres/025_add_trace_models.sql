-- PostgreSQL twin of sqlite/025: which models each trace called.
CREATE TABLE observ_trace_models (
    model TEXT NOT NULL,
    trace_id BIGINT NOT NULL REFERENCES observ_traces (id) ON DELETE CASCADE,
    start_time TEXT NOT NULL,
    PRIMARY KEY (model, trace_id)
);
CREATE INDEX index_observ_trace_models_on_model_and_start ON observ_trace_models (model, start_time, trace_id);
INSERT INTO observ_trace_models (model, trace_id, start_time)
    SELECT DISTINCT o.model, t.id, t.start_time FROM observ_observations o
    JOIN observ_traces t ON t.id = o.observ_trace_id WHERE o.model IS NOT NULL;
