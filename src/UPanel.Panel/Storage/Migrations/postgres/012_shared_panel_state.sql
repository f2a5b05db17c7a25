-- What several panels on one database share (docs/scale-out.md), so any of them can answer any request:
-- failed sign-ins per client address (Pages/SignInThrottle.cs), and the keys of the session and anti-forgery cookies
-- (ASP.NET Core data protection, Storage/CookieKeyRepository.cs), sealed with the token key so that the database alone
-- cannot forge a session.
CREATE TABLE sign_in_failures (
    address text PRIMARY KEY,
    failures bigint NOT NULL,
    window_start bigint NOT NULL
);

CREATE TABLE cookie_keys (
    name text PRIMARY KEY,
    sealed_xml text NOT NULL,
    created_at bigint NOT NULL
);
