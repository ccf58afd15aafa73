-- geowarn operator desk (issues 12/13): who wrote each event version, and the two-person approvals
-- (GEOWARN_APPROVAL=2: a request waits here until a second, different token approves it).
-- {TYPE} placeholders are expanded per dialect (geowarn/store/schema.py). One statement per ';'.
ALTER TABLE event_versions ADD COLUMN operator TEXT NOT NULL DEFAULT '';
CREATE TABLE approvals (
  id TEXT PRIMARY KEY,
  event_id TEXT NOT NULL,
  action TEXT NOT NULL,
  summary TEXT NOT NULL DEFAULT '',
  payload TEXT NOT NULL,
  status TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  requested_name TEXT NOT NULL,
  requested {TIME} NOT NULL,
  decided_by TEXT,
  decided_name TEXT,
  decided {TIME},
  result TEXT NOT NULL DEFAULT ''
);
CREATE INDEX approvals_event ON approvals (event_id, status);
CREATE INDEX approvals_status ON approvals (status, requested);
