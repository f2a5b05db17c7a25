-- Container history as changes (Storage/ContainerHistory.cs): a row when a server's containers' state (which there
-- are, their names, images, status and health; digest) differs from the one before, with the heartbeat's containers as
-- zlib-compressed JSON. New heartbeats no longer fill heartbeats.containers_zlib; rows stored before keep theirs until
-- they are rolled up. Pruned with the rest of history.
CREATE TABLE container_states (
    server_id TEXT NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
    at INTEGER NOT NULL,
    digest INTEGER NOT NULL,
    containers_zlib BLOB NOT NULL,
    PRIMARY KEY (server_id, at)
) WITHOUT ROWID;
