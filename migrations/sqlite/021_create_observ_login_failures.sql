-- Failed sign-ins, one row per (account or address, time), so throttling holds
-- across every instance that shares the database. Rows older than the window
-- are deleted as new failures arrive.
CREATE TABLE observ_login_failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    subject TEXT NOT NULL,
    at_ms INTEGER NOT NULL
);
CREATE INDEX index_observ_login_failures_on_subject_and_at ON observ_login_failures (subject, at_ms);
CREATE INDEX index_observ_login_failures_on_at ON observ_login_failures (at_ms);
