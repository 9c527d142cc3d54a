-- name: 003_audit_head
-- The newest audit row's hash, kept in one row so that appending does not scan the trail
-- (which grows with every view of a student file). Updated in the same transaction as the
-- append, so a rolled-back write leaves both as they were.
CREATE TABLE audit_head (hash VARCHAR NOT NULL);
INSERT INTO audit_head
    SELECT coalesce((SELECT hash FROM audit ORDER BY id DESC LIMIT 1), repeat('0', 64));
