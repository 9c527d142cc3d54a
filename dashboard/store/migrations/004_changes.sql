-- name: 004_changes
-- The store's change feed, kept in the database so that every process's caches follow every
-- process's writes (dashboard/store/changes.py). `change_counter` holds one row: the version,
-- bumped once by each committed data write. `changes` says which students that write changed;
-- a NULL student_id means anything may have changed (an import, a setting, an erasure).
-- Both are written in the write's own transaction, so a rolled-back write leaves no trace.
-- Only the last versions are kept; a cache older than those starts afresh.
CREATE TABLE change_counter (version BIGINT NOT NULL);
INSERT INTO change_counter VALUES (0);
CREATE TABLE changes (
    version     BIGINT NOT NULL,
    student_id  VARCHAR          -- NULL: everything
);
