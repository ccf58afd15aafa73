-- PostgreSQL compresses the large text of the alerts with lz4 instead of pglz (issue 16): each CAP body
-- (~10 KB, one per subscriber) and each state's zones (~5 KB). At 10,000 subscribers of one event the
-- commit's server CPU was 2.6-3.6 s with pglz, 1.0-1.3 s with lz4 (load average 5-6); bodies written
-- before keep their pglz form, both read back the same. SQLite stores them as they are. One statement per ';'.
-- dialect: postgis
ALTER TABLE alert_messages ALTER COLUMN body SET COMPRESSION lz4;
ALTER TABLE alert_state ALTER COLUMN zones SET COMPRESSION lz4;
-- dialect: all
