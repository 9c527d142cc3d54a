-- name: signals
-- Every signal of docs/flags.md on day $as_of, one row per (code, student, placement).
-- switch: scope  `true`, or the base tables' filter to $student_ids (signals/rules.py)
-- switch: scoped  whether the scoped contacts are MATERIALIZED (few, for a caseload)
--
-- Parameters: $as_of (DATE), the thresholds of the settings ($start_grace_days, ...; declared
-- per signal in dashboard/signals/catalogue.toml), and $codes/$severities/$ranks (that
-- catalogue, one source of truth).
--
-- Each rule is a section marked `-- signal: CODE` (one per code of the catalogue; a test
-- checks that both name the same codes) that yields signals (code, student_id, placement_id,
-- since, person_id); person_id is the agreement holder a rule is about (used by the texts),
-- NULL elsewhere. A rule that can find several cases for one (code, student, placement)
-- groups them itself, keeping the earliest since; every other rule yields at most one row per
-- placement or per student.
-- Roles and agreements are read once (materialized: the rules read them about ten times) for
-- every student in scope, and the rules built on them keep the active students at the end
-- (student_rule): cheaper than joining the big tables first. Contacts, the largest table, are
-- read four times, each for only what its rules need (last contact, moments held, fixed
-- contacts of active placements, answers to questions); see docs/performance.md.
-- Fixed moments are selected with kind <> 'incidental': DuckDB pushes that into the scan, but
-- turns kind IN ('start', 'mid', 'final') into an optional filter that reads every row.
WITH
st AS MATERIALIZED (
    SELECT student_id, enrolment_date, status, status_date
    FROM students
    WHERE /*:scope*/
),
-- Active student: enrolled on T and not yet left (status active, or the status begins after T).
act AS MATERIALIZED (
    SELECT student_id, enrolment_date
    FROM st
    WHERE enrolment_date <= $as_of AND (status = 'active' OR status_date > $as_of)
),
role_scoped AS MATERIALIZED (
    SELECT student_id, person_id, role, start_date, end_date,
           start_date <= $as_of AND (end_date IS NULL OR $as_of <= end_date) AS is_active
    FROM roles
    WHERE /*:scope*/
),
role_now AS NOT MATERIALIZED (
    SELECT student_id, person_id, role, start_date
    FROM role_scoped
    WHERE is_active
),
-- Guides: distinct people with an active role other than parent; a guide's start is the
-- earliest start of those roles. `starts` holds the earliest starts the rules ask about, sorted
-- with equal dates kept apart, so starts[k] is "the k-th earliest"; `guides` counts them all.
guide_starts AS MATERIALIZED (
    SELECT student_id, count(*) AS guides,
           min(start_date, greatest($many_guides, $direction_min_guides)) AS starts
    FROM (
        SELECT student_id, person_id, min(start_date) AS start_date
        FROM role_now
        WHERE role <> 'parent'
        GROUP BY student_id, person_id
    )
    GROUP BY student_id
),
placement_of_act AS MATERIALIZED (
    SELECT p.student_id, p.placement_id, p.company, p.supervisor_id, p.start_date, p.end_date,
           p.ended_early_on,
           -- mid = start + (planned end - start) // 2 whole days
           p.start_date + ((p.end_date - p.start_date) // 2)::INTEGER AS mid_date,
           p.start_date <= $as_of AND $as_of <= coalesce(p.ended_early_on, p.end_date) AS is_active
    FROM placements p
    SEMI JOIN act ON act.student_id = p.student_id
),
placement_now AS MATERIALIZED (
    SELECT * FROM placement_of_act WHERE is_active
),
agreement_now AS MATERIALIZED (
    SELECT agreement_id, student_id, placement_id, topic, holder_id, frequency_days,
           discussed_with_student, agreed_on, review_on
    FROM agreements
    WHERE agreed_on <= $as_of AND (ended_on IS NULL OR $as_of <= ended_on) AND /*:scope*/
),
-- Contacts count only when dated on or before T. Every rule reads contacts through here.
contact_upto AS /*:scoped*/ (
    SELECT rowid AS contact_key, student_id, placement_id, date, kind, participants,
           student_present
    FROM contacts
    WHERE date <= $as_of AND /*:scope*/
),
-- The latest contact on or before T per student (NO_RECENT_CONTACT, ABSENCE_NO_FOLLOW_UP).
last_contact AS MATERIALIZED (
    SELECT student_id, max(date) AS last_date
    FROM contact_upto
    GROUP BY student_id
),
-- Which fixed moments each placement has held on or before T (a contact's placement is
-- always one of its student's: the import and the forms check that).
moments_held AS MATERIALIZED (
    SELECT placement_id,
           bool_or(kind = 'start') AS has_start,
           bool_or(kind = 'mid') AS has_mid,
           bool_or(kind = 'final') AS has_final
    FROM contact_upto
    WHERE kind <> 'incidental'
    GROUP BY placement_id
),
-- Fixed-moment contacts (on or before T) of active placements, for MOMENT_INCOMPLETE.
fixed_contact AS MATERIALIZED (
    SELECT c.contact_key, c.student_id, c.placement_id, c.date, c.participants,
           c.student_present, p.supervisor_id
    FROM contact_upto c
    JOIN placement_now p ON p.placement_id = c.placement_id
    WHERE c.kind <> 'incidental' AND p.student_id = c.student_id
),
-- Fixed contacts of active placements where a participant held a school-guide role for the
-- student on the contact's date. Participants are unnested only for these few contacts.
with_school_guide AS (
    SELECT DISTINCT u.contact_key
    FROM (
        SELECT contact_key, student_id, date, unnest(participants) AS person_id
        FROM fixed_contact
    ) u
    JOIN role_scoped r ON r.student_id = u.student_id AND r.person_id = u.person_id
    WHERE r.role IN ('mentor', 'bpv_coordinator', 'class_counsellor')
      AND r.start_date <= u.date AND (r.end_date IS NULL OR u.date <= r.end_date)
),
-- Whether an active information / pedagogy agreement covers each active placement: one for
-- that placement or for the student as a whole.
agreement_cover AS (
    SELECT student_id, coalesce(placement_id, '') AS placement_id,
           bool_or(topic = 'information') AS has_information,
           bool_or(topic = 'pedagogy') AS has_pedagogy
    FROM agreement_now
    WHERE topic IN ('information', 'pedagogy')
    GROUP BY ALL
),
placement_cover AS (
    SELECT p.student_id, p.placement_id, p.start_date,
           coalesce(w.has_information, false) OR coalesce(o.has_information, false)
               AS has_information,
           coalesce(w.has_pedagogy, false) OR coalesce(o.has_pedagogy, false) AS has_pedagogy
    FROM placement_now p
    LEFT JOIN agreement_cover w ON w.student_id = p.student_id AND w.placement_id = ''
    LEFT JOIN agreement_cover o
           ON o.student_id = p.student_id AND o.placement_id = p.placement_id
),
contact_frequency AS (
    SELECT agreement_id, student_id, holder_id, frequency_days, agreed_on
    FROM agreement_now
    WHERE topic = 'contact_frequency' AND agreed_on <= $as_of - frequency_days
),
-- Stops: the student left (dropped out / transferred) while the placement was active, or the
-- placement itself ended early. All students in scope, active or not.
stop AS (
    SELECT p.student_id, p.placement_id, p.supervisor_id, s.status_date AS stop_day
    FROM placements p
    JOIN st s ON s.student_id = p.student_id
    WHERE s.status IN ('dropped_out', 'transferred')
      AND p.start_date <= s.status_date
      AND s.status_date <= coalesce(p.ended_early_on, p.end_date)
    UNION ALL
    SELECT p.student_id, p.placement_id, p.supervisor_id, p.ended_early_on AS stop_day
    FROM placements p
    SEMI JOIN st ON st.student_id = p.student_id
    WHERE p.ended_early_on IS NOT NULL
),
stop_due AS MATERIALIZED (
    SELECT *
    FROM stop
    WHERE $as_of > stop_day + $stop_inform_days AND $as_of <= stop_day + $stop_window_days
),
-- Which contacts with a given person a rule asks about, in a date range: the holder of a
-- contact_frequency agreement (after agreed_on; earlier contacts never decide the since) and
-- the supervisor after a stop. One join reads the participants of the contacts once.
contact_question AS (
    SELECT 'frequency' AS rule, agreement_id AS question, student_id, holder_id AS person_id,
           agreed_on + 1 AS first_day, $as_of AS last_day
    FROM contact_frequency
    UNION ALL
    SELECT 'stop', placement_id || '/' || stop_day, student_id, supervisor_id,
           stop_day, stop_day + $stop_inform_days
    FROM stop_due
),
contact_answer AS MATERIALIZED (
    SELECT q.rule, q.question, max(c.date) AS last_date
    FROM contact_question q
    JOIN contact_upto c ON c.student_id = q.student_id
    WHERE c.date BETWEEN q.first_day AND q.last_day AND list_contains(c.participants, q.person_id)
    GROUP BY q.rule, q.question
),
holder_last_contact AS (
    SELECT question AS agreement_id, last_date FROM contact_answer WHERE rule = 'frequency'
),
stop_informed AS (
    SELECT question FROM contact_answer WHERE rule = 'stop'
),
-- Unexcused absence in (T - window, T] with the running total in date order.
absence_running AS (
    SELECT a.student_id, a.date,
           sum(a.hours) OVER (PARTITION BY a.student_id ORDER BY a.date
                              ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running
    FROM absences a
    SEMI JOIN act ON act.student_id = a.student_id
    WHERE NOT a.excused AND a.date > $as_of - $absence_window_days AND a.date <= $as_of
),
absence_over AS (
    SELECT student_id, min(date) AS first_day,
           min(date) FILTER (WHERE running >= $absence_hours) AS reached_on
    FROM absence_running
    GROUP BY student_id
    HAVING max(running) >= $absence_hours
),
-- Rules over placements (of active students) and over `act` itself.
placement_rule AS (
    -- Fixed contact moments --------------------------------------------------------------
    -- signal: START_MISSING
    SELECT 'START_MISSING' AS code, p.student_id, p.placement_id,
           p.start_date + $start_grace_days + 1 AS since, NULL AS person_id
    FROM placement_now p
    LEFT JOIN moments_held m ON m.placement_id = p.placement_id
    WHERE $as_of > p.start_date + $start_grace_days AND m.has_start IS NOT TRUE

    UNION ALL
    -- signal: MID_OVERDUE
    SELECT 'MID_OVERDUE', p.student_id, p.placement_id,
           p.mid_date + $mid_grace_days + 1, NULL
    FROM placement_now p
    LEFT JOIN moments_held m ON m.placement_id = p.placement_id
    WHERE $as_of > p.mid_date + $mid_grace_days
      AND m.has_mid IS NOT TRUE

    UNION ALL
    -- signal: FINAL_OVERDUE
    SELECT 'FINAL_OVERDUE', p.student_id, p.placement_id, p.end_date + $final_grace_days + 1, NULL
    FROM placement_of_act p
    LEFT JOIN moments_held m ON m.placement_id = p.placement_id
    WHERE p.ended_early_on IS NULL
      AND p.end_date + $final_grace_days < $as_of AND $as_of <= p.end_date + $final_window_days
      AND m.has_final IS NOT TRUE

    UNION ALL
    -- signal: MOMENT_INCOMPLETE
    SELECT 'MOMENT_INCOMPLETE', f.student_id, f.placement_id, min(f.date), NULL
    FROM fixed_contact f
    LEFT JOIN with_school_guide g ON g.contact_key = f.contact_key
    WHERE (NOT coalesce(list_contains(f.participants, f.supervisor_id), false)
           OR g.contact_key IS NULL
           OR NOT f.student_present)
    GROUP BY f.student_id, f.placement_id

    -- Contact ---------------------------------------------------------------------------
    UNION ALL
    -- signal: NO_RECENT_CONTACT
    SELECT 'NO_RECENT_CONTACT', a.student_id, NULL,
           coalesce(l.last_date, a.enrolment_date) + $no_contact_days, NULL
    FROM act a
    LEFT JOIN last_contact l ON l.student_id = a.student_id
    WHERE a.enrolment_date <= $as_of - $no_contact_days
      AND (l.last_date IS NULL OR l.last_date <= $as_of - $no_contact_days)

    -- Roles -----------------------------------------------------------------------------
    UNION ALL
    -- signal: NO_MENTOR
    SELECT 'NO_MENTOR', a.student_id, NULL,
           coalesce(max(r.end_date) FILTER (WHERE r.end_date < $as_of) + 1, a.enrolment_date),
           NULL
    FROM act a
    LEFT JOIN role_scoped r ON r.student_id = a.student_id AND r.role = 'mentor'
    GROUP BY a.student_id, a.enrolment_date
    HAVING NOT coalesce(bool_or(r.is_active), false)

    UNION ALL
    -- signal: NO_SUPERVISOR
    SELECT 'NO_SUPERVISOR', p.student_id, p.placement_id, p.start_date, NULL
    FROM placement_now p
    WHERE p.supervisor_id IS NULL
       OR NOT EXISTS (
           SELECT 1 FROM role_now r
           WHERE r.student_id = p.student_id AND r.person_id = p.supervisor_id
             AND r.role = 'workplace_supervisor'
       )

    -- Information -----------------------------------------------------------------------
    UNION ALL
    -- signal: NO_INFORMATION_AGREEMENT
    SELECT 'NO_INFORMATION_AGREEMENT', p.student_id, p.placement_id, p.start_date, NULL
    FROM placement_cover p
    WHERE NOT p.has_information

    UNION ALL
    -- signal: NO_CONSENT_RECORD
    SELECT 'NO_CONSENT_RECORD', p.student_id, p.placement_id, p.start_date, NULL
    FROM placement_now p
    WHERE NOT EXISTS (
        SELECT 1 FROM consents c
        WHERE c.student_id = p.student_id AND c.audience = 'workplace'
          AND c.decided_on <= $as_of
    )

    -- Care and attendance ---------------------------------------------------------------
    UNION ALL
    -- signal: ABSENCE_NO_FOLLOW_UP
    SELECT 'ABSENCE_NO_FOLLOW_UP', o.student_id, NULL, o.reached_on, NULL
    FROM absence_over o
    LEFT JOIN last_contact l ON l.student_id = o.student_id
    WHERE l.last_date IS NULL OR l.last_date < o.first_day

    UNION ALL
    -- signal: NO_PEDAGOGY_AGREEMENT
    SELECT 'NO_PEDAGOGY_AGREEMENT', p.student_id, p.placement_id, p.start_date, NULL
    FROM placement_cover p
    WHERE NOT p.has_pedagogy
),
-- Rules over roles and agreements, for every student in scope; active ones kept below.
student_rule AS (
    -- signal: FREQUENCY_NOT_MET
    SELECT 'FREQUENCY_NOT_MET' AS code, student_id, NULL AS placement_id, min(since) AS since,
           arg_min(holder_id, since) AS person_id
    FROM (
        SELECT f.student_id, f.holder_id,
               greatest(f.agreed_on + f.frequency_days, l.last_date + f.frequency_days) AS since
        FROM contact_frequency f
        LEFT JOIN holder_last_contact l ON l.agreement_id = f.agreement_id
        WHERE l.last_date IS NULL OR l.last_date <= $as_of - f.frequency_days
    )
    GROUP BY student_id

    UNION ALL
    -- signal: MANY_GUIDES
    SELECT 'MANY_GUIDES', g.student_id, NULL, g.starts[$many_guides], NULL
    FROM guide_starts g
    WHERE g.guides >= $many_guides

    UNION ALL
    -- signal: EXTERNAL_WITHOUT_CARE_LEAD
    SELECT 'EXTERNAL_WITHOUT_CARE_LEAD', r.student_id, NULL, min(r.start_date), NULL
    FROM role_now r
    WHERE r.role = 'external'
      AND NOT EXISTS (
          SELECT 1 FROM role_now lead
          WHERE lead.student_id = r.student_id
            AND lead.role IN ('care_coordinator', 'class_counsellor')
      )
    GROUP BY r.student_id

    -- Direction (regie) -----------------------------------------------------------------
    UNION ALL
    -- signal: NO_DIRECTION
    SELECT 'NO_DIRECTION', g.student_id, NULL, g.starts[$direction_min_guides], NULL
    FROM guide_starts g
    WHERE g.guides >= $direction_min_guides
      AND NOT EXISTS (
          SELECT 1 FROM agreement_now a
          WHERE a.student_id = g.student_id AND a.topic = 'direction'
      )

    UNION ALL
    -- signal: NO_FINAL_RESPONSIBILITY
    SELECT 'NO_FINAL_RESPONSIBILITY', g.student_id, NULL, g.starts[$direction_min_guides], NULL
    FROM guide_starts g
    WHERE g.guides >= $direction_min_guides
      AND NOT EXISTS (
          SELECT 1 FROM agreement_now a
          WHERE a.student_id = g.student_id AND a.topic = 'final_responsibility'
      )

    UNION ALL
    -- signal: DIRECTION_HOLDER_GONE
    -- Per direction agreement: the holder's guide roles (not parent), none active on T; since
    -- is the day after the latest one ended before T, or agreed_on.
    SELECT 'DIRECTION_HOLDER_GONE', student_id, NULL, min(since), arg_min(holder_id, since)
    FROM (
        SELECT a.student_id, a.holder_id,
               coalesce(max(r.end_date) FILTER (WHERE r.end_date < $as_of) + 1, a.agreed_on)
                   AS since
        FROM agreement_now a
        LEFT JOIN role_scoped r
               ON r.student_id = a.student_id AND r.person_id = a.holder_id
              AND r.role <> 'parent'
        WHERE a.topic = 'direction'
        GROUP BY a.agreement_id, a.student_id, a.holder_id, a.agreed_on
        HAVING NOT coalesce(bool_or(r.is_active), false)
    )
    GROUP BY student_id

    UNION ALL
    -- signal: DIRECTION_NOT_DISCUSSED
    SELECT 'DIRECTION_NOT_DISCUSSED', a.student_id, NULL, min(a.agreed_on),
           arg_min(a.holder_id, a.agreed_on)
    FROM agreement_now a
    WHERE a.topic = 'direction' AND NOT a.discussed_with_student
    GROUP BY a.student_id

    UNION ALL
    -- signal: REVIEW_OVERDUE
    SELECT 'REVIEW_OVERDUE', a.student_id, any_value(a.placement_id), min(a.review_on) + 1,
           arg_min(a.holder_id, a.review_on)
    FROM agreement_now a
    WHERE a.review_on < $as_of
    GROUP BY a.student_id, coalesce(a.placement_id, '')

    -- Follow-up of caseload meetings -----------------------------------------------------
    UNION ALL
    -- signal: ACTION_OVERDUE
    -- An action agreed in a meeting held on or before T, due before T, and not marked done or
    -- cancelled on or before T (such a mark is final: dashboard/meetings/run.py). person_id:
    -- the owner of the earliest due one, whom the next step names.
    SELECT 'ACTION_OVERDUE', a.student_id, NULL, min(a.due_on) + 1,
           arg_min(a.owner_id, a.due_on)
    FROM meeting_actions a
    JOIN meetings m ON m.meeting_id = a.meeting_id
    WHERE m.held_on <= $as_of AND a.due_on < $as_of AND /*:scope*/
      AND NOT EXISTS (
          SELECT 1 FROM meeting_action_status s
          WHERE s.action_id = a.action_id AND s.status <> 'open' AND s.changed_on <= $as_of
      )
    GROUP BY a.student_id
),
signal AS (
    SELECT * FROM placement_rule
    UNION ALL
    SELECT * FROM student_rule SEMI JOIN act USING (student_id)
    UNION ALL
    -- signal: STOP_NOT_COMMUNICATED
    -- Also for students who are no longer active.
    SELECT 'STOP_NOT_COMMUNICATED', d.student_id, d.placement_id,
           min(d.stop_day) + $stop_inform_days + 1, NULL
    FROM stop_due d
    LEFT JOIN stop_informed i ON i.question = d.placement_id || '/' || d.stop_day
    WHERE i.question IS NULL
    GROUP BY d.student_id, d.placement_id
),
catalogue AS (
    SELECT unnest($codes) AS code, unnest($severities) AS severity, unnest($ranks) AS rank,
           generate_subscripts($codes, 1) AS code_rank
),
-- The latest acknowledgement of each (code, student, placement, since) decides; '' is the
-- placement of a signal without one.
latest_ack AS (
    SELECT code, student_id, placement_id, since, reason, until, acknowledged_by
    FROM acknowledgements
    WHERE /*:scope*/
    QUALIFY row_number() OVER (
        PARTITION BY code, student_id, placement_id, since ORDER BY acknowledged_at DESC
    ) = 1
)
SELECT s.code, c.severity, s.student_id, s.placement_id, s.since,
       coalesce(k.until >= $as_of, false) AS acknowledged,
       CASE WHEN k.until >= $as_of THEN k.reason END AS ack_reason,
       CASE WHEN k.until >= $as_of THEN k.until END AS ack_until,
       CASE WHEN k.until >= $as_of THEN k.acknowledged_by END AS ack_by,
       s.person_id
FROM signal s
JOIN catalogue c ON c.code = s.code
LEFT JOIN latest_ack k
       ON k.code = s.code AND k.student_id = s.student_id
      AND k.placement_id = coalesce(s.placement_id, '') AND k.since = s.since
ORDER BY c.rank, s.since, s.student_id, c.code_rank, s.placement_id NULLS FIRST
