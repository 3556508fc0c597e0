-- A resolved notice still waiting in the outbox (for its digest window, for quiet hours to end,
-- or for a retry) is stale once its finding opens again: sent after the new alert it would say
-- the problem is gone while it is open. Opening the finding again supersedes it in the same
-- transaction (src/store/sqlite/alert-store.ts, `transition`): it is never sent, and the row stays
-- with when and why, so the outbox still explains every message. A superseded row is settled like
-- a delivered or given-up one (never claimed again, pruned by retention after the same time).
ALTER TABLE alert_outbox ADD COLUMN superseded_at TEXT;
ALTER TABLE alert_outbox ADD COLUMN superseded_reason TEXT;
-- Superseding looks up a finding's unsent notices.
CREATE INDEX alert_outbox_finding ON alert_outbox (finding_id);
