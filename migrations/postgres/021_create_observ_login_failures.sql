-- PostgreSQL twin of sqlite/021: failed sign-ins, shared by every instance.
CREATE TABLE observ_login_failures (
    id BIGSERIAL PRIMARY KEY,
    subject TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX index_observ_login_failures_on_subject_and_at ON observ_login_failures (subject, at_ms);
CREATE INDEX index_observ_login_failures_on_at ON observ_login_failures (at_ms);
