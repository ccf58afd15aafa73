-- Issue 14: published files are rendered after the event version commits. One row per
-- (event version, kind): pending → ok, or failed with the error and the time of the next attempt.
-- {TYPE} placeholders are expanded per dialect (geowarn/store/schema.py). One statement per ';'.
CREATE TABLE renders (
  event_id TEXT NOT NULL REFERENCES events (id),
  version INTEGER NOT NULL,
  kind TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  next_attempt {TIME} NOT NULL,
  updated {TIME} NOT NULL,
  PRIMARY KEY (event_id, version, kind)
);
CREATE INDEX renders_due ON renders (status, next_attempt);
