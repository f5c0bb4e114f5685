-- The live dashboard reads the models of newly stored traces by trace id
-- (and deleting a trace finds its rows by it).
CREATE INDEX index_observ_trace_models_on_trace_id ON observ_trace_models (trace_id);
