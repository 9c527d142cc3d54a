-- name: 007_sign_in_throttle
-- Recent sign-in failures per account name and per client (dashboard/security/sign_in.py):
-- growing delays instead of locking an account. `key` is a SHA-256 hash of the name or the
-- client's address: a "name" may be a password typed in the wrong field. Rows older than
-- lockout_minutes are forgotten (deleted on the next failure).
CREATE TABLE sign_in_throttle (
    kind            VARCHAR NOT NULL,  -- 'account' or 'client'
    key             VARCHAR NOT NULL,
    failures        INTEGER NOT NULL,
    last_failed_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (kind, key)
);
