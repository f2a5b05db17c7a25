-- Failed sign-ins per client address (Pages/SignInThrottle.cs), in the database as on PostgreSQL. The cookie keys stay
-- in the data directory: SQLite serves one panel.
CREATE TABLE sign_in_failures (
    address TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    window_start INTEGER NOT NULL
);
