-- The change log of the live page updates (geowarn/live.py): one row per event version written, numbered
-- by the store generation of its transaction (the generation row is locked until commit, so the numbers
-- grow in commit order and a reader that sees one change sees every earlier one). `regions` is a JSON list
-- of the region ids of the version's zones and of the previous version's zones. {TYPE} placeholders are
-- expanded per dialect (geowarn/store/schema.py). One statement per ';'.
CREATE TABLE event_changes (
  seq {BIGINT} PRIMARY KEY,
  event_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  action TEXT NOT NULL,
  status TEXT NOT NULL,
  regions TEXT NOT NULL,
  changed {TIME} NOT NULL
);
