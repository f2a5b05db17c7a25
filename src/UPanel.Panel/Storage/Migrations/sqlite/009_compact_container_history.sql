-- A heartbeat's containers in history as zlib-compressed JSON (about a fifth of the text): new rows fill this and leave
-- containers NULL; rows stored before keep their text. See docs/decisions/compressed-container-history.md.
ALTER TABLE heartbeats ADD COLUMN containers_zlib BLOB;
