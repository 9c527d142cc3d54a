-- name: signals
-- Every signal of docs/flags.md on each day of $days, one row per (day, code, student, placement).
-- switch: scope  `true`, or the base tables' filter to $student_ids (signals/rules.py)
-- switch: scoped  whether the scoped contacts are MATERIALIZED (few, for a caseload)
-- switch: order  the ORDER BY of signals.evaluate, or nothing for a caller that orders or
--   aggregates the rows itself (sorting a history's rows costs about a sixth of its pass)
--
-- Parameters: $days (DATE[]: the evaluation days, one for the app and `flags --as-of`, many for
-- a history), $first_day and $last_day (the earliest and latest of them, constants that DuckDB
-- pushes into the scans), the thresholds of the settings ($start_grace_days, ...; declared per
-- signal in dashboard/signals/catalogue.toml), and $codes/$severities/$ranks (that catalogue,
-- one source of truth).
--
-- ONE query for one day and for many: the days are a relation (`day`, column as_of) joined
-- into the rules, never a scalar, so each rule is written once and a history of 53 days is one
-- set-based pass (tests/test_signal_history.py proves it equal to day-by-day evaluation).
--
-- How to write a signal section (`-- signal: CODE`, one per code of the catalogue; a test
-- checks both name the same codes). Rules are written in INTERVAL FORM where they can be: roles,
-- agreements, placements and a student's enrolment change a few times a year, so a rule is
-- evaluated once per span of calendar days on which its inputs are constant and joined to the
-- days only at the end, where it fires (a history of 53 days then costs little more than one).
-- 1. Interval form: yield (code, student_id, placement_id, since, from_day, to_day) in
--    `span_rule` (at most one row per code, student, placement and day; person_id NULL) or, with
--    person_id, in `agreement_rule` (several cases per student, grouped per day there, the
--    earliest since): the rule fires with that since on every day T with from_day <= T < to_day.
--    Build the span with greatest()/least() of the spans it rests on (NULL bounds are
--    unbounded: both skip NULLs): the student's active span [enrolment_date, active_to) of `st`,
--    `placement_span`, `agreement_span`, `guide_span_starts`, `contact_span`, and for "X is
--    missing on T" the `gap`s between the spans of X (`cover`, keyed by kind; `after` is the day
--    after the last cover before the gap ended). Add WHERE conditions that drop spans that cannot
--    meet a day of $first_day..$last_day (they are implied by a non-empty span).
-- 2. Per-day form, for a rule whose inputs change with the day itself (a sliding window, a
--    mark made on a date): join `day d` and write the rule's condition on d.as_of (never a
--    `$as_of`), yielding (code, as_of, student_id, placement_id, since, person_id) in
--    `placement_rule`, `student_rule` (active students are kept there) or `signal`; match as_of
--    in every join between per-day relations and put it in every GROUP BY and EXISTS.
-- 3. Read a table that carries no day with the day (or the span) as a condition, or as a fact
--    that does not depend on the day (`moments_held`: the first date of each moment; held by T
--    is first <= T). Bound scans of large tables by $last_day / $first_day so that one day reads
--    no more than before; for "the latest row on or before T" group the rows per evaluation day
--    they first count on (`day_of`) and use the spans between those days (`contact_span`).
--
-- Roles and agreements are read once (materialized: the rules read them about ten times) for
-- every student in scope. Contacts, the largest table, are read for only what the rules need,
-- each as facts that hold for every day at once (the first date of each fixed moment, the
-- incomplete fixed contacts, the dates of contacts with an agreement holder or a supervisor
-- after a stop) or as spans of days (the last contact on or before the day); see
-- docs/performance.md.
-- Fixed moments are selected with kind <> 'incidental': DuckDB pushes that into the scan, but
-- turns kind IN ('start', 'mid', 'final') into an optional filter that reads every row.
WITH
day AS (
    SELECT DISTINCT unnest($days::DATE[]) AS as_of
),
-- Active student: enrolled on T and not yet left (status active, or the status begins after T),
-- that is T in [enrolment_date, active_to).
st AS MATERIALIZED (
    SELECT student_id, enrolment_date, status, status_date,
           CASE WHEN status = 'active' THEN DATE '9999-12-31' ELSE status_date END AS active_to
    FROM students
    WHERE /*:scope*/
),
role_scoped AS MATERIALIZED (
    SELECT student_id, person_id, role, start_date, coalesce(end_date, DATE '9999-12-31') AS until
    FROM roles
    WHERE start_date <= $last_day AND /*:scope*/
),
-- Guides: distinct people with an active role other than parent; a guide's start is the
-- earliest start of those roles. `starts` holds the earliest starts the rules ask about, sorted
-- with equal dates kept apart, so starts[k] is "the k-th earliest"; `guides` counts them all.
-- In interval form: a student's guide roles change only on the days a role starts or the day
-- after one ends, so the guides are counted once per span [from_day, to_day) between those
-- days (from $first_day on) and joined to the days at the end, only for the spans with enough
-- guides for a rule. One day: one span per student, as before.
guide_role AS MATERIALIZED (
    SELECT student_id, person_id, start_date, until
    FROM role_scoped
    WHERE role <> 'parent' AND until >= $first_day
),
guide_span AS (
    SELECT student_id, from_day,
           lead(from_day, 1, DATE '9999-12-31') OVER (PARTITION BY student_id ORDER BY from_day)
               AS to_day
    FROM (
        SELECT DISTINCT student_id, greatest(start_date, $first_day) AS from_day
        FROM guide_role
        UNION
        SELECT student_id, until + 1 FROM guide_role WHERE until < $last_day
    )
),
-- A person with several guide roles for a student (rare: 84 of 2 million at 500,000 students)
-- counts once per span, with the earliest start of those active; only their roles are grouped.
guide_twice AS (
    SELECT student_id, person_id FROM guide_role GROUP BY ALL HAVING count(*) > 1
),
guide_span_starts AS MATERIALIZED (
    SELECT student_id, from_day, to_day, count(*) AS guides,
           min(start_date, greatest($many_guides, $direction_min_guides)) AS starts
    FROM (
        SELECT s.student_id, s.from_day, s.to_day, r.start_date
        FROM guide_span s
        JOIN guide_role r
          ON r.student_id = s.student_id AND r.start_date <= s.from_day
         AND s.from_day <= r.until
        ANTI JOIN guide_twice t ON t.student_id = r.student_id AND t.person_id = r.person_id
        UNION ALL
        SELECT s.student_id, s.from_day, s.to_day, min(r.start_date)
        FROM guide_span s
        JOIN (SELECT * FROM guide_role SEMI JOIN guide_twice USING (student_id, person_id)) r
          ON r.student_id = s.student_id AND r.start_date <= s.from_day
         AND s.from_day <= r.until
        GROUP BY s.student_id, s.from_day, s.to_day, r.person_id
    )
    GROUP BY ALL
    HAVING count(*) >= least($many_guides, $direction_min_guides)
),
-- Placements in interval form: the days [from_day, to_day) on which the placement is active
-- and its student too (placements change a few times a year, so the placement rules are
-- evaluated once per placement and joined to the days only where they fire: `span_rule`).
placement_span AS MATERIALIZED (
    SELECT *
    FROM (
        SELECT p.student_id, p.placement_id, p.supervisor_id, p.start_date, p.end_date,
               -- mid = start + (planned end - start) // 2 whole days
               p.start_date + ((p.end_date - p.start_date) // 2)::INTEGER AS mid_date,
               greatest(p.start_date, s.enrolment_date) AS from_day,
               least(coalesce(p.ended_early_on, p.end_date) + 1, s.active_to) AS to_day
        FROM placements p
        JOIN st s ON s.student_id = p.student_id
        WHERE p.start_date <= $last_day AND coalesce(p.ended_early_on, p.end_date) >= $first_day
    )
    WHERE from_day < to_day AND from_day <= $last_day AND to_day > $first_day
),
-- Agreements in force on a day of the range: active on T when agreed_on <= T <= until.
agreement_span AS MATERIALIZED (
    SELECT agreement_id, student_id, placement_id, topic, holder_id, frequency_days,
           discussed_with_student, agreed_on, review_on,
           coalesce(ended_on, DATE '9999-12-31') AS until
    FROM agreements
    WHERE agreed_on <= $last_day AND (ended_on IS NULL OR ended_on >= $first_day) AND /*:scope*/
),
-- Contacts count only when dated on or before T: every rule reads contacts through here (up
-- to the last day) and compares their dates with its own day.
contact_upto AS /*:scoped*/ (
    SELECT contact_id AS contact_key, student_id, placement_id, date, kind, participants,
           student_present
    FROM contacts
    WHERE date <= $last_day AND /*:scope*/
),
-- Each date up to the last day belongs to the first evaluation day on or after it (earlier
-- dates to the first day): a contact dated then counts on that day and on every later one.
day_of AS (
    SELECT unnest(range(from_date::TIMESTAMP, as_of::TIMESTAMP + INTERVAL 1 DAY,
                        INTERVAL 1 DAY))::DATE AS date, as_of
    FROM (SELECT as_of, coalesce(lag(as_of) OVER (ORDER BY as_of) + 1, as_of) AS from_date
          FROM day)
),
-- The days of a span [from_day, to_day) are a slice of $days (sorted, distinct): from the
-- position `lo` of the first day on or after from_day to `hi`, that of the last day before
-- to_day. `day_pos` gives the position of the first day on or after each date of the range;
-- the span rules are sliced by it instead of joined to the days on from_day <= as_of < to_day,
-- a range join that cost a history of 53 days at 500,000 students 4 s of CPU.
day_pos AS (
    SELECT date, list_position($days::DATE[], as_of) AS pos
    FROM day_of
),
-- The latest contact on or before T per student, as spans of days: on the days in
-- [from_day, to_day) it is last_date. For one day: one span per student, as a max().
contact_span AS MATERIALIZED (
    SELECT student_id, as_of AS from_day, last_date,
           lead(as_of, 1, DATE '9999-12-31') OVER (PARTITION BY student_id ORDER BY as_of)
               AS to_day
    FROM (
        SELECT c.student_id, coalesce(k.as_of, $first_day) AS as_of, max(c.date) AS last_date
        FROM contact_upto c
        LEFT JOIN day_of k ON k.date = c.date
        GROUP BY ALL
    )
),
-- The first date each fixed moment was held per placement: held on or before T is "first date
-- <= T" (a contact's placement is always one of its student's: the import and the forms check
-- that).
moments_held AS MATERIALIZED (
    SELECT placement_id,
           min(date) FILTER (WHERE kind = 'start') AS start_on,
           min(date) FILTER (WHERE kind = 'mid') AS mid_on,
           min(date) FILTER (WHERE kind = 'final') AS final_on
    FROM contact_upto
    WHERE kind <> 'incidental'
    GROUP BY placement_id
),
-- Fixed-moment contacts of placements active in the days' range, for MOMENT_INCOMPLETE.
fixed_contact AS MATERIALIZED (
    SELECT c.contact_key, c.student_id, c.placement_id, c.date, c.participants,
           c.student_present, p.supervisor_id
    FROM contact_upto c
    JOIN placement_span p ON p.placement_id = c.placement_id
    WHERE c.kind <> 'incidental' AND p.student_id = c.student_id
),
-- Fixed contacts of those placements where a participant held a school-guide role for the
-- student on the contact's date. Participants are unnested only for these few contacts.
with_school_guide AS (
    SELECT DISTINCT u.contact_key
    FROM (
        SELECT contact_key, student_id, date, unnest(participants) AS person_id
        FROM fixed_contact
    ) u
    JOIN role_scoped r ON r.student_id = u.student_id AND r.person_id = u.person_id
    WHERE r.role IN ('mentor', 'bpv_coordinator', 'class_counsellor')
      AND r.start_date <= u.date AND u.date <= r.until
),
-- Fixed contacts lacking one of the three parties (a fact of the contact, whatever the day).
incomplete_contact AS (
    SELECT f.student_id, f.placement_id, f.date
    FROM fixed_contact f
    LEFT JOIN with_school_guide g ON g.contact_key = f.contact_key
    WHERE (NOT coalesce(list_contains(f.participants, f.supervisor_id), false)
           OR g.contact_key IS NULL
           OR NOT f.student_present)
),
-- Rules of the form "X is missing on T" in interval form. `cover` holds, per (kind, key), the
-- spans [from_day, to_day) on which X is there (a role, an agreement); `gap` the spans before,
-- between and after them (a NULL bound: unbounded; greatest and least skip NULLs), each with the
-- day after the last cover before it ended (`after`; NULL before the first). End dates are
-- never before their start (interchange.md), so spans are never empty.
cover_agreement AS (
    SELECT * FROM agreement_span WHERE topic IN ('information', 'pedagogy')
),
cover AS MATERIALIZED (
    -- NO_SUPERVISOR: the supervisor's workplace_supervisor roles for the student
    SELECT 'supervisor' AS kind, p.placement_id AS key, r.start_date AS from_day,
           r.until + 1 AS to_day
    FROM placement_span p
    JOIN role_scoped r
      ON r.student_id = p.student_id AND r.person_id = p.supervisor_id
     AND r.role = 'workplace_supervisor' AND r.until >= $first_day
    UNION ALL
    -- NO_INFORMATION_AGREEMENT, NO_PEDAGOGY_AGREEMENT: an agreement for the placement or for
    -- the student as a whole
    SELECT a.topic, p.placement_id, a.agreed_on, a.until + 1
    FROM placement_span p
    JOIN cover_agreement a ON a.student_id = p.student_id AND a.placement_id = p.placement_id
    UNION ALL
    SELECT a.topic, p.placement_id, a.agreed_on, a.until + 1
    FROM placement_span p
    JOIN (SELECT * FROM cover_agreement WHERE placement_id IS NULL) a
      ON a.student_id = p.student_id
    UNION ALL
    -- NO_MENTOR: the mentor roles
    SELECT 'mentor', student_id, start_date, until + 1
    FROM role_scoped
    WHERE role = 'mentor'
    UNION ALL
    -- NO_DIRECTION, NO_FINAL_RESPONSIBILITY: the student's agreements of that topic
    SELECT topic, student_id, agreed_on, until + 1
    FROM agreement_span
    WHERE topic IN ('direction', 'final_responsibility')
    UNION ALL
    -- DIRECTION_HOLDER_GONE: the holder's roles (not parent) for the student, per agreement
    SELECT 'holder', a.agreement_id, r.start_date, r.until + 1
    FROM agreement_span a
    JOIN role_scoped r
      ON r.student_id = a.student_id AND r.person_id = a.holder_id AND r.role <> 'parent'
    WHERE a.topic = 'direction'
    UNION ALL
    -- every key a rule asks about, without a span: a key without covers has one gap, all days
    SELECT k.kind, p.placement_id, NULL, NULL
    FROM placement_span p
    CROSS JOIN (VALUES ('supervisor'), ('information'), ('pedagogy')) k(kind)
    UNION ALL
    SELECT 'mentor', student_id, NULL, NULL
    FROM st
    WHERE enrolment_date <= $last_day AND active_to > $first_day
    UNION ALL
    SELECT k.kind, g.student_id, NULL, NULL
    FROM (SELECT DISTINCT student_id FROM guide_span_starts
          WHERE guides >= $direction_min_guides) g
    CROSS JOIN (VALUES ('direction'), ('final_responsibility')) k(kind)
    UNION ALL
    SELECT 'holder', agreement_id, NULL, NULL
    FROM agreement_span
    WHERE topic = 'direction'
),
-- Most keys have one cover, or covers that overlap into one unbroken span (the latest start is
-- not after the earliest end): their gaps are the days before and after it, from a GROUP BY.
-- Only the covers of the other keys are ordered in a window, for the gaps between them.
cover_key AS (
    SELECT kind, key, min(from_day) AS first_from, max(to_day) AS last_to,
           coalesce(max(from_day) <= min(to_day), true) AS unbroken
    FROM cover
    GROUP BY kind, key
),
-- Only the gaps that meet the days' range are kept: on one day, only the keys not covered.
gap AS MATERIALIZED (
    SELECT *
    FROM (
        SELECT kind, key, NULL::DATE AS from_day, first_from AS to_day, NULL::DATE AS after
        FROM cover_key
        UNION ALL
        SELECT kind, key, last_to, NULL, last_to
        FROM cover_key
        WHERE last_to IS NOT NULL
        UNION ALL
        SELECT kind, key, after, from_day, after
        FROM (
            SELECT c.kind, c.key, c.from_day,
                   max(c.to_day) OVER (PARTITION BY c.kind, c.key ORDER BY c.from_day
                                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
                       AS after
            FROM cover c
            SEMI JOIN cover_key k ON k.kind = c.kind AND k.key = c.key AND NOT k.unbroken
            WHERE c.from_day IS NOT NULL
        )
        WHERE from_day > after
    )
    WHERE (to_day IS NULL OR to_day > $first_day) AND (from_day IS NULL OR from_day <= $last_day)
),
-- contact_frequency agreements that can be due on a day of the range (agreed_on <= T - d).
contact_frequency AS (
    SELECT agreement_id, student_id, holder_id, frequency_days, agreed_on, until
    FROM agreement_span
    WHERE topic = 'contact_frequency' AND agreed_on + frequency_days <= $last_day
),
-- Stops: the student left (dropped out / transferred) while the placement was active, or the
-- placement itself ended early. All students in scope, active or not; only stops whose
-- window meets the days.
stop AS MATERIALIZED (
    SELECT *
    FROM (
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
    )
    WHERE stop_day + $stop_inform_days < $last_day AND stop_day + $stop_window_days >= $first_day
),
stop_due AS (
    SELECT d.as_of, s.*
    FROM stop s
    JOIN day d ON d.as_of > s.stop_day + $stop_inform_days
              AND d.as_of <= s.stop_day + $stop_window_days
),
-- Which contacts with a given person a rule asks about, in a date range: the holder of a
-- contact_frequency agreement (after agreed_on; earlier contacts never decide the since) and
-- the supervisor after a stop. One join reads the participants of the contacts once; the
-- answers are dates, so each day takes the latest on or before it.
contact_question AS (
    SELECT 'frequency' AS rule, agreement_id AS question, student_id,
           holder_id AS person_id, agreed_on + 1 AS first_day, $last_day AS last_day
    FROM contact_frequency
    UNION ALL
    SELECT 'stop', placement_id || '/' || stop_day, student_id, supervisor_id,
           stop_day, stop_day + $stop_inform_days
    FROM stop
),
-- The answers, per evaluation day their contacts first count on (see day_of): the latest date.
contact_answer AS MATERIALIZED (
    SELECT q.rule, q.question, coalesce(k.as_of, $first_day) AS as_of, max(c.date) AS last_date
    FROM contact_question q
    JOIN contact_upto c ON c.student_id = q.student_id
    LEFT JOIN day_of k ON k.date = c.date
    WHERE c.date BETWEEN q.first_day AND q.last_day AND list_contains(c.participants, q.person_id)
    GROUP BY ALL
),
-- The holder's latest contact on or before T per agreement, as spans (see contact_span).
holder_contact_span AS (
    SELECT question AS agreement_id, as_of AS from_day, last_date,
           lead(as_of, 1, DATE '9999-12-31') OVER (PARTITION BY question ORDER BY as_of)
               AS to_day
    FROM contact_answer
    WHERE rule = 'frequency'
),
stop_informed AS (
    SELECT DISTINCT question FROM contact_answer WHERE rule = 'stop'
),
-- Unexcused absence in (T - window, T] with the running total in date order.
absence_running AS (
    SELECT d.as_of, b.student_id, b.date,
           sum(b.hours) OVER (PARTITION BY d.as_of, b.student_id ORDER BY b.date
                              ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running
    FROM absences b
    JOIN day d ON b.date > d.as_of - $absence_window_days AND b.date <= d.as_of
    JOIN st s
      ON s.student_id = b.student_id AND s.enrolment_date <= d.as_of AND d.as_of < s.active_to
    WHERE NOT b.excused AND b.date > $first_day - $absence_window_days AND b.date <= $last_day
),
absence_over AS (
    SELECT as_of, student_id, min(date) AS first_day,
           min(date) FILTER (WHERE running >= $absence_hours) AS reached_on
    FROM absence_running
    GROUP BY as_of, student_id
    HAVING max(running) >= $absence_hours
),
-- The first workplace consent record of each student (decided on or before T counts).
consent_first AS (
    SELECT student_id, min(decided_on) AS decided_on
    FROM consents
    WHERE audience = 'workplace' AND decided_on <= $last_day AND /*:scope*/
    GROUP BY student_id
),
-- Rules over the placements of active students in interval form: each yields the days
-- [from_day, to_day) on which it fires with one since (joined to the days in placement_rule).
span_rule AS (
    -- Fixed contact moments --------------------------------------------------------------
    -- signal: START_MISSING
    SELECT 'START_MISSING' AS code, p.student_id, p.placement_id,
           p.start_date + $start_grace_days + 1 AS since,
           greatest(p.from_day, p.start_date + $start_grace_days + 1) AS from_day,
           least(p.to_day, coalesce(m.start_on, DATE '9999-12-31')) AS to_day
    FROM placement_span p
    LEFT JOIN moments_held m ON m.placement_id = p.placement_id
    WHERE p.start_date + $start_grace_days < $last_day
      AND (m.start_on IS NULL OR m.start_on > $first_day)

    UNION ALL
    -- signal: MID_OVERDUE
    SELECT 'MID_OVERDUE', p.student_id, p.placement_id, p.mid_date + $mid_grace_days + 1,
           greatest(p.from_day, p.mid_date + $mid_grace_days + 1),
           least(p.to_day, coalesce(m.mid_on, DATE '9999-12-31'))
    FROM placement_span p
    LEFT JOIN moments_held m ON m.placement_id = p.placement_id
    WHERE p.mid_date + $mid_grace_days < $last_day AND (m.mid_on IS NULL OR m.mid_on > $first_day)

    UNION ALL
    -- signal: FINAL_OVERDUE
    -- Also after the placement ended (not early), while the student is active.
    SELECT 'FINAL_OVERDUE', p.student_id, p.placement_id, p.end_date + $final_grace_days + 1,
           greatest(p.start_date, s.enrolment_date, p.end_date + $final_grace_days + 1),
           least(p.end_date + $final_window_days + 1, s.active_to,
                 coalesce(m.final_on, DATE '9999-12-31'))
    FROM placements p
    JOIN st s ON s.student_id = p.student_id
    LEFT JOIN moments_held m ON m.placement_id = p.placement_id
    WHERE p.ended_early_on IS NULL AND p.start_date <= $last_day
      AND p.end_date + $final_window_days >= $first_day
      AND p.end_date + $final_grace_days < $last_day
      AND (m.final_on IS NULL OR m.final_on > $first_day)

    UNION ALL
    -- signal: MOMENT_INCOMPLETE
    SELECT 'MOMENT_INCOMPLETE', p.student_id, p.placement_id, f.since,
           greatest(p.from_day, f.since), p.to_day
    FROM placement_span p
    JOIN (SELECT student_id, placement_id, min(date) AS since FROM incomplete_contact GROUP BY ALL) f
      ON f.placement_id = p.placement_id AND f.student_id = p.student_id

    UNION ALL
    -- Roles -----------------------------------------------------------------------------
    -- signal: NO_SUPERVISOR
    SELECT 'NO_SUPERVISOR', p.student_id, p.placement_id, p.start_date,
           greatest(p.from_day, g.from_day), least(p.to_day, g.to_day)
    FROM placement_span p
    JOIN gap g ON g.kind = 'supervisor' AND g.key = p.placement_id

    -- Information -----------------------------------------------------------------------
    UNION ALL
    -- signal: NO_INFORMATION_AGREEMENT
    SELECT 'NO_INFORMATION_AGREEMENT', p.student_id, p.placement_id, p.start_date,
           greatest(p.from_day, g.from_day), least(p.to_day, g.to_day)
    FROM placement_span p
    JOIN gap g ON g.kind = 'information' AND g.key = p.placement_id

    UNION ALL
    -- signal: NO_CONSENT_RECORD
    SELECT 'NO_CONSENT_RECORD', p.student_id, p.placement_id, p.start_date, p.from_day,
           least(p.to_day, coalesce(c.decided_on, DATE '9999-12-31'))
    FROM placement_span p
    LEFT JOIN consent_first c ON c.student_id = p.student_id
    WHERE c.decided_on IS NULL OR c.decided_on > greatest(p.from_day, $first_day)

    -- Care and attendance ---------------------------------------------------------------
    UNION ALL
    -- signal: NO_PEDAGOGY_AGREEMENT
    SELECT 'NO_PEDAGOGY_AGREEMENT', p.student_id, p.placement_id, p.start_date,
           greatest(p.from_day, g.from_day), least(p.to_day, g.to_day)
    FROM placement_span p
    JOIN gap g ON g.kind = 'pedagogy' AND g.key = p.placement_id

    -- Contact (of active students) -----------------------------------------------------
    UNION ALL
    -- signal: NO_RECENT_CONTACT
    -- On the days of a span whose last contact is $no_contact_days old or more ...
    SELECT 'NO_RECENT_CONTACT', s.student_id, NULL, l.last_date + $no_contact_days,
           greatest(s.enrolment_date, s.enrolment_date + $no_contact_days, l.from_day,
                    l.last_date + $no_contact_days),
           least(s.active_to, l.to_day)
    FROM contact_span l
    JOIN st s ON s.student_id = l.student_id
    WHERE l.last_date + $no_contact_days < l.to_day
      AND l.last_date + $no_contact_days <= $last_day
    UNION ALL
    -- ... or before the student's first contact.
    SELECT 'NO_RECENT_CONTACT', s.student_id, NULL, s.enrolment_date + $no_contact_days,
           greatest(s.enrolment_date, s.enrolment_date + $no_contact_days),
           least(s.active_to, l.from_day)
    FROM st s
    LEFT JOIN (SELECT student_id, min(from_day) AS from_day FROM contact_span GROUP BY ALL) l
           ON l.student_id = s.student_id
    WHERE s.enrolment_date + $no_contact_days <= $last_day
      AND (l.from_day IS NULL
           OR l.from_day > greatest(s.enrolment_date + $no_contact_days, $first_day))

    -- Roles (of active students) -------------------------------------------------------
    UNION ALL
    -- signal: NO_MENTOR
    -- since: the day after the last mentor role ended before T (the cover before the gap), or
    -- enrolment_date.
    SELECT 'NO_MENTOR', s.student_id, NULL, coalesce(g.after, s.enrolment_date),
           greatest(s.enrolment_date, g.from_day), least(s.active_to, g.to_day)
    FROM st s
    JOIN gap g ON g.kind = 'mentor' AND g.key = s.student_id
    WHERE s.enrolment_date <= $last_day AND s.active_to > $first_day

    UNION ALL
    -- signal: MANY_GUIDES
    SELECT 'MANY_GUIDES', s.student_id, NULL, g.starts[$many_guides],
           greatest(s.enrolment_date, g.from_day), least(s.active_to, g.to_day)
    FROM guide_span_starts g
    JOIN st s ON s.student_id = g.student_id
    WHERE g.guides >= $many_guides

    -- Direction (regie) -----------------------------------------------------------------
    UNION ALL
    -- signal: NO_DIRECTION
    SELECT 'NO_DIRECTION', s.student_id, NULL, g.starts[$direction_min_guides],
           greatest(s.enrolment_date, g.from_day, n.from_day),
           least(s.active_to, g.to_day, n.to_day)
    FROM guide_span_starts g
    JOIN st s ON s.student_id = g.student_id
    JOIN gap n ON n.kind = 'direction' AND n.key = g.student_id
    WHERE g.guides >= $direction_min_guides

    UNION ALL
    -- signal: NO_FINAL_RESPONSIBILITY
    SELECT 'NO_FINAL_RESPONSIBILITY', s.student_id, NULL, g.starts[$direction_min_guides],
           greatest(s.enrolment_date, g.from_day, n.from_day),
           least(s.active_to, g.to_day, n.to_day)
    FROM guide_span_starts g
    JOIN st s ON s.student_id = g.student_id
    JOIN gap n ON n.kind = 'final_responsibility' AND n.key = g.student_id
    WHERE g.guides >= $direction_min_guides
),
-- Rules over the agreements of active students in interval form, several cases per student:
-- joined to the days and grouped per day (the earliest since) in `signal`.
agreement_rule AS (
    -- Contact ---------------------------------------------------------------------------
    -- signal: FREQUENCY_NOT_MET
    -- Before the holder's first contact after agreed_on (see holder_contact_span) ...
    SELECT 'FREQUENCY_NOT_MET' AS code, f.student_id, NULL AS placement_id,
           f.agreed_on + f.frequency_days AS since, f.holder_id AS person_id,
           greatest(s.enrolment_date, f.agreed_on + f.frequency_days) AS from_day,
           least(s.active_to, f.until + 1, l.from_day) AS to_day
    FROM contact_frequency f
    JOIN st s ON s.student_id = f.student_id
    LEFT JOIN (SELECT agreement_id, min(from_day) AS from_day
               FROM holder_contact_span GROUP BY ALL) l
           ON l.agreement_id = f.agreement_id
    WHERE l.from_day IS NULL OR l.from_day > greatest(f.agreed_on + f.frequency_days, $first_day)
    UNION ALL
    -- ... and on the days of a span whose last contact is frequency_days old or more.
    SELECT 'FREQUENCY_NOT_MET', f.student_id, NULL,
           greatest(f.agreed_on, l.last_date) + f.frequency_days, f.holder_id,
           greatest(s.enrolment_date, f.agreed_on + f.frequency_days, l.from_day,
                    l.last_date + f.frequency_days),
           least(s.active_to, f.until + 1, l.to_day)
    FROM contact_frequency f
    JOIN st s ON s.student_id = f.student_id
    JOIN holder_contact_span l ON l.agreement_id = f.agreement_id
    WHERE l.last_date + f.frequency_days < l.to_day
      AND l.last_date + f.frequency_days <= $last_day

    -- Direction (regie) -----------------------------------------------------------------
    UNION ALL
    -- signal: DIRECTION_HOLDER_GONE
    -- Per direction agreement: the holder's roles (not parent), none active on T; since is the
    -- day after the latest one ended before T (the cover before the gap), or agreed_on.
    SELECT 'DIRECTION_HOLDER_GONE', a.student_id, NULL, coalesce(g.after, a.agreed_on),
           a.holder_id, greatest(s.enrolment_date, a.agreed_on, g.from_day),
           least(s.active_to, a.until + 1, g.to_day)
    FROM agreement_span a
    JOIN st s ON s.student_id = a.student_id
    JOIN gap g ON g.kind = 'holder' AND g.key = a.agreement_id
    WHERE a.topic = 'direction'

    UNION ALL
    -- signal: DIRECTION_NOT_DISCUSSED
    SELECT 'DIRECTION_NOT_DISCUSSED', a.student_id, NULL, a.agreed_on, a.holder_id,
           greatest(s.enrolment_date, a.agreed_on), least(s.active_to, a.until + 1)
    FROM agreement_span a
    JOIN st s ON s.student_id = a.student_id
    WHERE a.topic = 'direction' AND NOT a.discussed_with_student

    UNION ALL
    -- signal: REVIEW_OVERDUE
    SELECT 'REVIEW_OVERDUE', a.student_id, a.placement_id, a.review_on + 1, a.holder_id,
           greatest(s.enrolment_date, a.agreed_on, a.review_on + 1),
           least(s.active_to, a.until + 1)
    FROM agreement_span a
    JOIN st s ON s.student_id = a.student_id
    WHERE a.review_on < $last_day
),
-- The interval rules joined to the days, and the per-day rules over active students.
placement_rule AS (
    SELECT code, unnest(list_slice($days::DATE[], lo, hi)) AS as_of, student_id, placement_id,
           since, NULL AS person_id
    FROM (
        SELECT r.*, CASE WHEN r.from_day <= $first_day THEN 1 ELSE f.pos END AS lo,
               CASE WHEN r.to_day > $last_day THEN len($days::DATE[]) ELSE t.pos - 1 END AS hi
        FROM span_rule r
        LEFT JOIN day_pos f ON f.date = r.from_day
        LEFT JOIN day_pos t ON t.date = r.to_day
    )
    WHERE lo <= hi

    -- Care and attendance ---------------------------------------------------------------
    UNION ALL
    -- signal: ABSENCE_NO_FOLLOW_UP
    SELECT 'ABSENCE_NO_FOLLOW_UP', o.as_of, o.student_id, NULL, o.reached_on, NULL
    FROM absence_over o
    WHERE NOT EXISTS (
        SELECT 1 FROM contact_span l
        WHERE l.student_id = o.student_id AND l.from_day <= o.as_of AND o.as_of < l.to_day
          AND l.last_date >= o.first_day
    )
),
-- Rules over roles and agreements, for every student in scope; active ones kept below.
student_rule AS (
    -- signal: EXTERNAL_WITHOUT_CARE_LEAD
    SELECT 'EXTERNAL_WITHOUT_CARE_LEAD' AS code, d.as_of, r.student_id, NULL AS placement_id,
           min(r.start_date) AS since, NULL AS person_id
    FROM role_scoped r
    JOIN day d ON r.start_date <= d.as_of AND d.as_of <= r.until
    WHERE r.role = 'external'
      AND NOT EXISTS (
          SELECT 1 FROM role_scoped lead
          WHERE lead.student_id = r.student_id
            AND lead.role IN ('care_coordinator', 'class_counsellor')
            AND lead.start_date <= d.as_of AND d.as_of <= lead.until
      )
    GROUP BY d.as_of, r.student_id

    -- Follow-up of caseload meetings -----------------------------------------------------
    UNION ALL
    -- signal: ACTION_OVERDUE
    -- An action agreed in a meeting held on or before T, due before T, and not marked done or
    -- cancelled on or before T (such a mark is final: dashboard/meetings/run.py). person_id:
    -- the owner of the earliest due one, whom the next step names.
    SELECT 'ACTION_OVERDUE', d.as_of, a.student_id, NULL, min(a.due_on) + 1,
           arg_min(a.owner_id, a.due_on)
    FROM meeting_actions a
    JOIN meetings m ON m.meeting_id = a.meeting_id
    JOIN day d ON m.held_on <= d.as_of AND a.due_on < d.as_of
    WHERE /*:scope*/
      AND NOT EXISTS (
          SELECT 1 FROM meeting_action_status s
          WHERE s.action_id = a.action_id AND s.status <> 'open' AND s.changed_on <= d.as_of
      )
    GROUP BY d.as_of, a.student_id
),
signal AS (
    SELECT * FROM placement_rule
    UNION ALL
    SELECT r.*
    FROM student_rule r
    JOIN st s
      ON s.student_id = r.student_id AND s.enrolment_date <= r.as_of AND r.as_of < s.active_to
    UNION ALL
    SELECT code, as_of, student_id, any_value(placement_id), min(since),
           arg_min(person_id, since)
    FROM (
        SELECT code, unnest(list_slice($days::DATE[], lo, hi)) AS as_of, student_id,
               placement_id, since, person_id
        FROM (
            SELECT r.*, CASE WHEN r.from_day <= $first_day THEN 1 ELSE f.pos END AS lo,
                   CASE WHEN r.to_day > $last_day THEN len($days::DATE[]) ELSE t.pos - 1 END
                       AS hi
            FROM agreement_rule r
            LEFT JOIN day_pos f ON f.date = r.from_day
            LEFT JOIN day_pos t ON t.date = r.to_day
        )
        WHERE lo <= hi
    )
    GROUP BY code, as_of, student_id, coalesce(placement_id, '')
    UNION ALL
    -- signal: STOP_NOT_COMMUNICATED
    -- Also for students who are no longer active.
    SELECT 'STOP_NOT_COMMUNICATED', d.as_of, d.student_id, d.placement_id,
           min(d.stop_day) + $stop_inform_days + 1, NULL
    FROM stop_due d
    LEFT JOIN stop_informed i ON i.question = d.placement_id || '/' || d.stop_day
    WHERE i.question IS NULL
    GROUP BY d.as_of, d.student_id, d.placement_id
),
catalogue AS (
    SELECT unnest($codes) AS code, unnest($severities) AS severity, unnest($ranks) AS rank,
           generate_subscripts($codes, 1) AS code_rank
),
-- On each day the latest acknowledgement made on or before it of each (code, student,
-- placement, since) decides; '' is the placement of a signal without one.
latest_ack AS (
    SELECT d.as_of, k.code, k.student_id, k.placement_id, k.since, k.reason, k.until,
           k.acknowledged_by
    FROM acknowledgements k
    JOIN day d ON CAST(k.acknowledged_at AS DATE) <= d.as_of
    WHERE /*:scope*/
    QUALIFY row_number() OVER (
        PARTITION BY d.as_of, k.code, k.student_id, k.placement_id, k.since
        ORDER BY k.acknowledged_at DESC
    ) = 1
)
SELECT s.as_of, s.code, c.severity, s.student_id, s.placement_id, s.since,
       coalesce(k.until >= s.as_of, false) AS acknowledged,
       CASE WHEN k.until >= s.as_of THEN k.reason END AS ack_reason,
       CASE WHEN k.until >= s.as_of THEN k.until END AS ack_until,
       CASE WHEN k.until >= s.as_of THEN k.acknowledged_by END AS ack_by,
       s.person_id
FROM signal s
JOIN catalogue c ON c.code = s.code
LEFT JOIN latest_ack k
       ON k.as_of = s.as_of AND k.code = s.code AND k.student_id = s.student_id
      AND k.placement_id = coalesce(s.placement_id, '') AND k.since = s.since
/*:order*/
