-- Up Migration
-- Each account's index lag (its oldest change the index does not show yet) is read on every
-- search: one index probe, however large the backlog.
CREATE INDEX contact_index_outbox_account_dirty_idx ON contact_index_outbox (account_id, dirty_at);

-- Down Migration
DROP INDEX contact_index_outbox_account_dirty_idx;
