-- name: 001_initial
-- The interchange tables (docs/interchange.md) and the app's own tables.
-- Person lists (participants, counterpart_ids) are VARCHAR[] in the order they were given.

CREATE TABLE students (
    student_id      VARCHAR PRIMARY KEY,
    first_name      VARCHAR NOT NULL,
    last_name       VARCHAR NOT NULL,
    birth_date      DATE NOT NULL,
    programme       VARCHAR NOT NULL,
    location        VARCHAR NOT NULL,
    class_code      VARCHAR,
    enrolment_date  DATE NOT NULL,
    status          VARCHAR NOT NULL,
    status_date     DATE,
    status_reason   VARCHAR
);

CREATE TABLE staff (
    person_id         VARCHAR PRIMARY KEY,
    name              VARCHAR NOT NULL,
    organisation      VARCHAR NOT NULL,
    organisation_kind VARCHAR NOT NULL,
    email             VARCHAR,
    phone             VARCHAR
);

CREATE TABLE roles (
    student_id  VARCHAR NOT NULL,
    person_id   VARCHAR NOT NULL,
    role        VARCHAR NOT NULL,
    start_date  DATE NOT NULL,
    end_date    DATE,
    note        VARCHAR,
    PRIMARY KEY (student_id, person_id, role, start_date)
);

CREATE TABLE placements (
    placement_id    VARCHAR PRIMARY KEY,
    student_id      VARCHAR NOT NULL,
    company         VARCHAR NOT NULL,
    supervisor_id   VARCHAR,
    start_date      DATE NOT NULL,
    end_date        DATE NOT NULL,
    ended_early_on  DATE
);

CREATE TABLE contacts (
    contact_id       VARCHAR PRIMARY KEY,
    student_id       VARCHAR NOT NULL,
    placement_id     VARCHAR,
    date             DATE NOT NULL,
    kind             VARCHAR NOT NULL,
    channel          VARCHAR NOT NULL,
    participants     VARCHAR[] NOT NULL,
    student_present  BOOLEAN NOT NULL,
    initiated_by     VARCHAR,
    reason           VARCHAR,
    summary          VARCHAR,
    visibility       VARCHAR
);

CREATE TABLE agreements (
    agreement_id            VARCHAR PRIMARY KEY,
    student_id              VARCHAR NOT NULL,
    placement_id            VARCHAR,
    topic                   VARCHAR NOT NULL,
    holder_id               VARCHAR NOT NULL,
    counterpart_ids         VARCHAR[],
    details                 VARCHAR,
    frequency_days          INTEGER,
    discussed_with_student  BOOLEAN NOT NULL,
    agreed_on               DATE NOT NULL,
    review_on               DATE,
    ended_on                DATE
);

CREATE TABLE consents (
    student_id   VARCHAR NOT NULL,
    audience     VARCHAR NOT NULL,
    decided_on   DATE NOT NULL,
    shares       BOOLEAN NOT NULL,
    recorded_by  VARCHAR NOT NULL,
    note         VARCHAR,
    PRIMARY KEY (student_id, audience, decided_on)
);

CREATE TABLE absences (
    student_id  VARCHAR NOT NULL,
    date        DATE NOT NULL,
    hours       DOUBLE PRECISION NOT NULL,
    excused     BOOLEAN NOT NULL,
    PRIMARY KEY (student_id, date)
);

-- App tables ---------------------------------------------------------------

-- Key/value settings; signal thresholds live here (defaults in dashboard/settings.py).
CREATE TABLE settings (
    key         VARCHAR PRIMARY KEY,
    value       VARCHAR NOT NULL,
    changed_by  VARCHAR,
    changed_at  TIMESTAMP
);

-- One row; is_demo is true while the store holds generated demo data.
CREATE TABLE store_info (
    is_demo     BOOLEAN NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

-- A signal marked as a deliberate exception ("bewust afgeweken tot ...").
-- It applies while until >= T and the signal's since still equals `since`.
CREATE TABLE acknowledgements (
    code          VARCHAR NOT NULL,
    student_id    VARCHAR NOT NULL,
    placement_id  VARCHAR NOT NULL DEFAULT '',   -- '' = no placement, so the key is total
    since         DATE NOT NULL,
    reason        VARCHAR NOT NULL,
    until         DATE NOT NULL,
    acknowledged_by VARCHAR NOT NULL,
    acknowledged_at TIMESTAMP NOT NULL,
    PRIMARY KEY (code, student_id, placement_id, since, acknowledged_at)
);

-- Sign-in accounts, each linked to a person in staff (except admins may have none).
CREATE TABLE users (
    username         VARCHAR PRIMARY KEY,
    person_id        VARCHAR,
    kind             VARCHAR NOT NULL,      -- admin, manager, care_coordinator, care_worker, guide, workplace
    locations        VARCHAR[],             -- for care_coordinator: the locations they cover
    email            VARCHAR,
    password_hash    VARCHAR,
    disabled         BOOLEAN NOT NULL DEFAULT false,
    failed_attempts  INTEGER NOT NULL DEFAULT 0,
    locked_until     TIMESTAMP,
    created_at       TIMESTAMP NOT NULL
);

-- Append-only audit trail: no code path updates or deletes rows here.
CREATE SEQUENCE audit_seq;
CREATE TABLE audit (
    id          BIGINT PRIMARY KEY DEFAULT nextval('audit_seq'),
    occurred_at TIMESTAMP NOT NULL,
    actor       VARCHAR NOT NULL,
    action      VARCHAR NOT NULL,      -- e.g. view_student, export, write, sign_in_failed
    entity      VARCHAR,               -- table or object, e.g. contacts
    entity_key  VARCHAR,
    student_id  VARCHAR,
    old_value   VARCHAR,               -- JSON of the row before (writes)
    new_value   VARCHAR,               -- JSON of the row after (writes)
    detail      VARCHAR,
    -- hash chain: hash = sha256(prev_hash || this row's fields); an edited or removed
    -- row breaks the chain, which audit.verify_chain() reports.
    prev_hash   VARCHAR NOT NULL,
    hash        VARCHAR NOT NULL
);
