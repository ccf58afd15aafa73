-- Keep the order the engine and the sources give (zones: most severe, then largest first;
-- corridors: as in the notice), instead of sorting by id.
ALTER TABLE zones ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE corridors ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
