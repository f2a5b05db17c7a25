-- A heartbeat sent without a timestamp (the seed's manual curl) is stored at its time of receipt, marked so.
ALTER TABLE heartbeats ADD COLUMN timestamp_from_receipt INTEGER NOT NULL DEFAULT 0;
