-- The static directories (GEOWARN_STATIC_DIR) nginx serves published files from (issue 16). A process
-- that commits an event version removes that event's current-version files and the region pages from
-- every directory listed here, so a CLI or worker started without the setting cannot leave nginx
-- answering the version before a cancel. Registered by the web app at start and by any commit made
-- with the setting. One statement per ';'.
CREATE TABLE static_dirs (
  path TEXT PRIMARY KEY
);
