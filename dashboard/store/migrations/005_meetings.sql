-- name: 005_meetings
-- Caseload meetings (caseloadbespreking, zorgoverleg): dashboard/meetings/.
-- Every row about a student carries student_id, so the student's inzage export and erasure
-- (dashboard/students/rights.py, which walks every table with that column) include them.
-- Made in the app only: the interchange files never carry them (docs/flags.md).

CREATE TABLE meetings (
    meeting_id         VARCHAR PRIMARY KEY,
    held_on            DATE NOT NULL,
    kind               VARCHAR NOT NULL,      -- internal (school staff only) or external
    caseload_kind      VARCHAR NOT NULL,      -- guide, class, location or list
    caseload_value     VARCHAR,               -- the person_id, class or location; NULL: list
    minutes_available  INTEGER NOT NULL,
    coordinator        VARCHAR NOT NULL,      -- the username that prepared it
    created_at         TIMESTAMP NOT NULL,
    closed_at          TIMESTAMP,             -- set while closed (locked)
    closed_by          VARCHAR
);

-- Staff invited, with their role in the meeting; present is NULL until attendance is taken.
CREATE TABLE meeting_attendees (
    meeting_id  VARCHAR NOT NULL,
    person_id   VARCHAR NOT NULL,
    role        VARCHAR NOT NULL,
    present     BOOLEAN,
    PRIMARY KEY (meeting_id, person_id)
);

-- The agenda: one row per student, in `position` order, with the planned minutes and why
-- Regiebord proposed the student (high, overdue, medium, longest_ago, added).
CREATE TABLE meeting_items (
    meeting_id  VARCHAR NOT NULL,
    student_id  VARCHAR NOT NULL,
    position    INTEGER NOT NULL,
    minutes     INTEGER NOT NULL,
    reason      VARCHAR NOT NULL,
    PRIMARY KEY (meeting_id, student_id)
);

-- What was decided about a student: free text, or a one-click decision written through the
-- student file's own services (agreement_id: the agreement it recorded).
CREATE TABLE meeting_decisions (
    decision_id  VARCHAR PRIMARY KEY,
    meeting_id   VARCHAR NOT NULL,
    student_id   VARCHAR NOT NULL,
    kind         VARCHAR NOT NULL,            -- text, direction, information
    text         VARCHAR,
    agreement_id VARCHAR,
    care_only    BOOLEAN NOT NULL,            -- only care roles may read it
    recorded_by  VARCHAR NOT NULL,
    recorded_at  TIMESTAMP NOT NULL
);

CREATE TABLE meeting_actions (
    action_id   VARCHAR PRIMARY KEY,
    meeting_id  VARCHAR NOT NULL,
    student_id  VARCHAR NOT NULL,
    what        VARCHAR NOT NULL,
    owner_id    VARCHAR NOT NULL,             -- a staff member (staff.person_id)
    due_on      DATE NOT NULL,
    note        VARCHAR,
    care_only   BOOLEAN NOT NULL,
    created_by  VARCHAR NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

-- Every status an action had, with the day it changed: `open` when agreed (the meeting's
-- day), then `done` or `cancelled`. The status on day T is the latest change on or before T.
CREATE TABLE meeting_action_status (
    action_id   VARCHAR NOT NULL,
    student_id  VARCHAR NOT NULL,
    status      VARCHAR NOT NULL,             -- open, done, cancelled
    changed_on  DATE NOT NULL,
    changed_by  VARCHAR NOT NULL,
    changed_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (action_id, changed_at, status)
);
