-- Nothing to change on PostgreSQL (SQLite's 013 moves container_states out of a WITHOUT ROWID table; PostgreSQL keeps
-- large values out of line by itself). Here so both engines number their migrations alike.
SELECT 1;
