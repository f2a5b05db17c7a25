-- container_states as an ordinary table (011 made it WITHOUT ROWID): a WITHOUT ROWID row is kept in an index b-tree,
-- whose rows hold about 1,000 bytes before the rest spills to an overflow page of its own, and twenty containers'
-- compressed JSON is about that (1,058 bytes in bench/history.sh), so each row took a whole extra 4 KiB page.
CREATE TABLE container_states_rowid (
    server_id TEXT NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
    at INTEGER NOT NULL,
    digest INTEGER NOT NULL,
    containers_zlib BLOB NOT NULL
);

INSERT INTO container_states_rowid (server_id, at, digest, containers_zlib)
SELECT server_id, at, digest, containers_zlib FROM container_states ORDER BY server_id, at;

DROP TABLE container_states;

ALTER TABLE container_states_rowid RENAME TO container_states;

CREATE UNIQUE INDEX ux_container_states_server_at ON container_states (server_id, at);
