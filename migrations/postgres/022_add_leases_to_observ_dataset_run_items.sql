-- Several instances share a run's items: an instance claims an item by taking
-- its lease (owner = the instance, expiry in Unix ms), extends it while the
-- item runs, and clears it when the result is written. An item whose lease
-- expired (its instance died) can be claimed again by any instance.
ALTER TABLE observ_dataset_run_items ADD COLUMN lease_owner TEXT;
ALTER TABLE observ_dataset_run_items ADD COLUMN lease_expires_ms BIGINT;
CREATE INDEX index_observ_dataset_run_items_on_lease_owner
    ON observ_dataset_run_items (lease_owner) WHERE lease_owner IS NOT NULL;
-- Claims walk a run's pending items in id order (SQLite's (run, status) index ends in the rowid already).
CREATE INDEX index_observ_dataset_run_items_on_run_status_and_id
    ON observ_dataset_run_items (dataset_run_id, status, id);
