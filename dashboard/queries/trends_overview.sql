-- name: trends_overview
-- The trends page's figures beside those of trends.sql, for the students in scope and filters.
-- switch: visible  the student_ids whose figures the user may see (access.aggregate_scope_sql)
-- The window runs from $window_start (a month's first day) to $as_of, $months months. One row
-- of lists of structs: only aggregates leave the query. A count `x` comes with `x_students`
-- (the distinct students behind it) where it counts something other than students, so
-- trends/privacy.py can hide small cells.
--
-- weekly: on the Monday of each week, active students (flags.md) with an active `direction`
--   and `final_responsibility` agreement; active placements of active students with an active
--   `information` agreement for that placement or for the student as a whole.
-- contact_split: contacts dated in each month by kind, channel and initiator (`student`, else
--   the initiator's organisation_kind, else `unknown`).
-- frequency: on each month's last day (or $as_of), the active `contact_frequency` agreements
--   of active students agreed at least d days before, and whether their holder took part in a
--   contact in the d days up to that day (FREQUENCY_NOT_MET reads them so).
-- school_years: per school year (1 October - 30 September) the window touches, the start
--   population (active on 1 October) and the dropouts (status `dropped_out` dated in the
--   school year, up to $as_of), for the school, per location and per programme.
-- destinations: students who left in each month, by status (their destination).
-- cohorts: per school year of enrolment (the last four up to $as_of) and 3, 6, 12, 18 and
--   24 months after each student's enrolment (where that day is not after $as_of): still
--   enrolled, left with a diploma (`graduated`, or `progressed` to a next level), or left
--   without one.
-- coordination: the students on the rolls in the window (enrolled by $as_of, not left before
--   $window_start) and whether they dropped out in it, beside what held on their last active
--   day in the window: an active direction / information agreement, the number of guides
--   (distinct people with an active role other than `parent`), and whether their first
--   placement (started by then) has a start moment held by then.
WITH
visible AS (/*:visible*/),
scoped AS MATERIALIZED (
    SELECT s.student_id, s.enrolment_date, s.status, s.status_date, s.location, s.programme
    FROM students s
    WHERE s.student_id IN (SELECT student_id FROM visible)
      AND (len($locations::VARCHAR[]) = 0 OR list_contains($locations::VARCHAR[], s.location))
      AND (len($programmes::VARCHAR[]) = 0 OR list_contains($programmes::VARCHAR[], s.programme))
      AND ($cohort_start::DATE IS NULL
           OR s.enrolment_date BETWEEN $cohort_start::DATE AND $cohort_end::DATE)
),
month AS (
    SELECT month, least(last_day(month), $as_of::DATE) AS last_day
    FROM (
        SELECT ($window_start::DATE + to_months(i::INTEGER))::DATE AS month
        FROM range($months) AS t(i)
    )
),

-- Direction and information per week ----------------------------------------------------
week AS (
    SELECT w::DATE AS day
    FROM generate_series(
        ($window_start::DATE + ((8 - isodow($window_start::DATE)) % 7)::INTEGER)::TIMESTAMP,
        $as_of::DATE::TIMESTAMP,
        INTERVAL 7 DAY
    ) AS t(w)
),
student_week AS MATERIALIZED (
    SELECT w.day, s.student_id
    FROM week w
    JOIN scoped s ON s.enrolment_date <= w.day AND (s.status = 'active' OR s.status_date > w.day)
),
agreement_week AS (
    SELECT DISTINCT w.day, a.student_id, a.topic
    FROM agreements a
    JOIN week w ON a.agreed_on <= w.day AND (a.ended_on IS NULL OR w.day <= a.ended_on)
    WHERE a.topic IN ('direction', 'final_responsibility')
      AND a.student_id IN (SELECT student_id FROM scoped)
),
direction_week AS (
    SELECT sw.day,
           count(*) AS active_students,
           count(d.student_id) AS with_direction,
           count(*) - count(d.student_id) AS without_direction,
           count(f.student_id) AS with_final_responsibility,
           count(*) - count(f.student_id) AS without_final_responsibility
    FROM student_week sw
    LEFT JOIN agreement_week d
      ON d.day = sw.day AND d.student_id = sw.student_id AND d.topic = 'direction'
    LEFT JOIN agreement_week f
      ON f.day = sw.day AND f.student_id = sw.student_id AND f.topic = 'final_responsibility'
    GROUP BY sw.day
),
placement_week AS MATERIALIZED (
    SELECT sw.day, p.placement_id, p.student_id
    FROM placements p
    JOIN student_week sw
      ON sw.student_id = p.student_id AND p.start_date <= sw.day
     AND sw.day <= coalesce(p.ended_early_on, p.end_date)
),
informed AS (
    SELECT DISTINCT pw.day, pw.placement_id
    FROM placement_week pw
    JOIN agreements a
      ON a.student_id = pw.student_id AND a.topic = 'information'
     AND (a.placement_id IS NULL OR a.placement_id = pw.placement_id)
     AND a.agreed_on <= pw.day AND (a.ended_on IS NULL OR pw.day <= a.ended_on)
),
information_week AS (
    SELECT pw.day,
           count(*) AS placements,
           count(DISTINCT pw.student_id) AS placements_students,
           count(i.placement_id) AS informed,
           count(DISTINCT pw.student_id) FILTER (WHERE i.placement_id IS NOT NULL)
               AS informed_students,
           count(*) FILTER (WHERE i.placement_id IS NULL) AS uninformed,
           count(DISTINCT pw.student_id) FILTER (WHERE i.placement_id IS NULL)
               AS uninformed_students
    FROM placement_week pw
    LEFT JOIN informed i ON i.day = pw.day AND i.placement_id = pw.placement_id
    GROUP BY pw.day
),

-- Contact ------------------------------------------------------------------------------------
contact_scoped AS (
    SELECT c.student_id, date_trunc('month', c.date)::DATE AS month, c.kind, c.channel,
           CASE WHEN c.initiated_by IS NULL THEN 'unknown'
                WHEN c.initiated_by = 'student' THEN 'student'
                ELSE coalesce(st.organisation_kind, 'unknown') END AS initiator
    FROM contacts c
    LEFT JOIN staff st ON st.person_id = c.initiated_by
    WHERE c.date >= $window_start AND c.date <= $as_of
      AND c.student_id IN (SELECT student_id FROM scoped)
),
contact_split AS (
    SELECT month,
           CASE WHEN grouping(kind) = 0 THEN 'kind'
                WHEN grouping(channel) = 0 THEN 'channel'
                ELSE 'initiator' END AS by,
           coalesce(kind, channel, initiator) AS "group",
           count(*) AS contacts,
           count(DISTINCT student_id) AS contacts_students
    FROM contact_scoped
    GROUP BY GROUPING SETS ((month, kind), (month, channel), (month, initiator))
),
frequency AS (
    SELECT a.agreement_id, a.student_id, a.holder_id, a.frequency_days AS d, a.agreed_on,
           a.ended_on
    FROM agreements a
    WHERE a.topic = 'contact_frequency' AND a.frequency_days IS NOT NULL
      AND a.student_id IN (SELECT student_id FROM scoped)
),
frequency_due AS (
    SELECT m.month, m.last_day, f.agreement_id, f.student_id, f.holder_id, f.d
    FROM month m
    JOIN frequency f
      ON f.agreed_on <= m.last_day - f.d::INTEGER AND (f.ended_on IS NULL OR m.last_day <= f.ended_on)
    JOIN scoped s
      ON s.student_id = f.student_id AND s.enrolment_date <= m.last_day
     AND (s.status = 'active' OR s.status_date > m.last_day)
),
holder_contact AS (
    SELECT student_id, unnest(participants) AS person_id, date
    FROM contacts
    WHERE date <= $as_of AND student_id IN (SELECT student_id FROM frequency)
),
frequency_met AS (
    SELECT fd.month, fd.agreement_id, fd.student_id,
           count(h.date) > 0 AS met
    FROM frequency_due fd
    LEFT JOIN holder_contact h
      ON h.student_id = fd.student_id AND h.person_id = fd.holder_id
     AND h.date > fd.last_day - fd.d::INTEGER AND h.date <= fd.last_day
    GROUP BY fd.month, fd.agreement_id, fd.student_id
),
frequency_month AS (
    SELECT month,
           count(*) AS agreements, count(DISTINCT student_id) AS agreements_students,
           count(*) FILTER (WHERE met) AS met,
           count(DISTINCT student_id) FILTER (WHERE met) AS met_students,
           count(*) FILTER (WHERE NOT met) AS not_met,
           count(DISTINCT student_id) FILTER (WHERE NOT met) AS not_met_students
    FROM frequency_met
    GROUP BY month
),

-- Dropout and outflow ------------------------------------------------------------------------
school_year AS (
    SELECT y, make_date(y::BIGINT, 10, 1) AS first_day,
           least(make_date(y::BIGINT + 1, 9, 30), $as_of::DATE) AS last_day
    FROM range(
        year($window_start::DATE) - CASE WHEN month($window_start::DATE) >= 10 THEN 0 ELSE 1 END,
        year($as_of::DATE) - CASE WHEN month($as_of::DATE) >= 10 THEN 0 ELSE 1 END + 1
    ) AS t(y)
),
year_dropout AS (
    SELECT y.y AS school_year,
           CASE WHEN grouping(s.location) = 0 THEN 'location'
                WHEN grouping(s.programme) = 0 THEN 'programme'
                ELSE 'school' END AS by,
           coalesce(s.location, s.programme, '') AS "group",
           count(*) FILTER (WHERE s.enrolment_date <= y.first_day
                              AND (s.status = 'active' OR s.status_date > y.first_day))
               AS start_population,
           count(*) FILTER (WHERE s.status = 'dropped_out'
                              AND s.status_date BETWEEN y.first_day AND y.last_day) AS dropouts
    FROM school_year y
    JOIN scoped s
      ON s.enrolment_date <= y.last_day AND (s.status = 'active' OR s.status_date >= y.first_day)
    GROUP BY GROUPING SETS ((y.y), (y.y, s.location), (y.y, s.programme))
),
destination_month AS (
    SELECT date_trunc('month', s.status_date)::DATE AS month, s.status AS destination,
           count(*) AS students
    FROM scoped s
    WHERE s.status <> 'active' AND s.status_date >= $window_start AND s.status_date <= $as_of
    GROUP BY ALL
),
cohort AS (
    SELECT s.enrolment_date, s.status, s.status_date,
           year(s.enrolment_date)
               - CASE WHEN month(s.enrolment_date) >= 10 THEN 0 ELSE 1 END AS cohort
    FROM scoped s
),
cohort_point AS (
    SELECT c.cohort, c.months, count(*) AS students,
           count(*) FILTER (WHERE c.status = 'active' OR c.status_date > c.point) AS enrolled,
           count(*) FILTER (WHERE c.status IN ('graduated', 'progressed')
                              AND c.status_date <= c.point) AS diploma,
           count(*) FILTER (WHERE c.status NOT IN ('active', 'graduated', 'progressed')
                              AND c.status_date <= c.point) AS left_without
    FROM (
        SELECT c.*, k.months, (c.enrolment_date + to_months(k.months))::DATE AS point
        FROM cohort c
        CROSS JOIN (VALUES (3), (6), (12), (18), (24)) AS k(months)
    ) c
    WHERE c.point <= $as_of
      AND c.cohort >= year($as_of::DATE) - CASE WHEN month($as_of::DATE) >= 10 THEN 0 ELSE 1 END - 3
    GROUP BY c.cohort, c.months
),

-- Dropout beside coordination ----------------------------------------------------------------
rolls AS MATERIALIZED (
    SELECT s.student_id,
           CASE WHEN s.status <> 'active' AND s.status_date <= $as_of
                THEN s.status_date - 1 ELSE $as_of::DATE END AS last_day,
           s.status = 'dropped_out' AND s.status_date BETWEEN $window_start AND $as_of
               AS dropped_out
    FROM scoped s
    WHERE s.enrolment_date <= $as_of AND (s.status = 'active' OR s.status_date >= $window_start)
),
roll_agreement AS (
    SELECT r.student_id,
           bool_or(a.topic = 'direction') AS has_direction,
           bool_or(a.topic = 'information') AS has_information
    FROM rolls r
    JOIN agreements a
      ON a.student_id = r.student_id AND a.topic IN ('direction', 'information')
     AND a.agreed_on <= r.last_day AND (a.ended_on IS NULL OR r.last_day <= a.ended_on)
    GROUP BY r.student_id
),
roll_guides AS (
    SELECT r.student_id, count(DISTINCT ro.person_id) AS guides
    FROM rolls r
    JOIN roles ro
      ON ro.student_id = r.student_id AND ro.role <> 'parent' AND ro.start_date <= r.last_day
     AND (ro.end_date IS NULL OR ro.end_date >= r.last_day)
    GROUP BY r.student_id
),
roll_first_placement AS (
    SELECT r.student_id, arg_min(p.placement_id, (p.start_date, p.placement_id)) AS placement_id,
           any_value(r.last_day) AS last_day
    FROM rolls r
    JOIN placements p ON p.student_id = r.student_id AND p.start_date <= r.last_day
    GROUP BY r.student_id
),
roll_start AS (
    SELECT f.student_id,
           EXISTS (
               SELECT 1 FROM contacts c
               WHERE c.placement_id = f.placement_id AND c.kind = 'start' AND c.date <= f.last_day
           ) AS start_held
    FROM roll_first_placement f
),
roll_facts AS (
    SELECT r.dropped_out,
           coalesce(a.has_direction, false) AS has_direction,
           coalesce(a.has_information, false) AS has_information,
           coalesce(g.guides, 0) AS guides,
           st.start_held
    FROM rolls r
    LEFT JOIN roll_agreement a ON a.student_id = r.student_id
    LEFT JOIN roll_guides g ON g.student_id = r.student_id
    LEFT JOIN roll_start st ON st.student_id = r.student_id
),
coordination AS (
    SELECT factor, "group", count(*) AS students,
           count(*) FILTER (WHERE dropped_out) AS dropouts,
           count(*) FILTER (WHERE NOT dropped_out) AS stayed
    FROM (
        SELECT dropped_out, 'direction' AS factor,
               CASE WHEN has_direction THEN 'with' ELSE 'without' END AS "group"
        FROM roll_facts
        UNION ALL
        SELECT dropped_out, 'start_moment', CASE WHEN start_held THEN 'with' ELSE 'without' END
        FROM roll_facts WHERE start_held IS NOT NULL
        UNION ALL
        SELECT dropped_out, 'information',
               CASE WHEN has_information THEN 'with' ELSE 'without' END
        FROM roll_facts
        UNION ALL
        SELECT dropped_out, 'guides',
               CASE WHEN guides = 0 THEN '0' WHEN guides <= 2 THEN '1-2' WHEN guides <= 4 THEN '3-4'
                    WHEN guides <= 6 THEN '5-6' ELSE '7+' END
        FROM roll_facts
    )
    GROUP BY factor, "group"
)
SELECT
    (SELECT list({
                'day': w.day,
                'active_students': coalesce(d.active_students, 0),
                'with_direction': coalesce(d.with_direction, 0),
                'without_direction': coalesce(d.without_direction, 0),
                'with_final_responsibility': coalesce(d.with_final_responsibility, 0),
                'without_final_responsibility': coalesce(d.without_final_responsibility, 0),
                'placements': coalesce(i.placements, 0),
                'placements_students': coalesce(i.placements_students, 0),
                'informed': coalesce(i.informed, 0),
                'informed_students': coalesce(i.informed_students, 0),
                'uninformed': coalesce(i.uninformed, 0),
                'uninformed_students': coalesce(i.uninformed_students, 0)
            } ORDER BY w.day)
     FROM week w
     LEFT JOIN direction_week d ON d.day = w.day
     LEFT JOIN information_week i ON i.day = w.day) AS weekly,
    (SELECT list(c ORDER BY c.month, c.by, c."group") FROM contact_split c) AS contact_split,
    (SELECT list({
                'month': m.month,
                'agreements': coalesce(f.agreements, 0),
                'agreements_students': coalesce(f.agreements_students, 0),
                'met': coalesce(f.met, 0),
                'met_students': coalesce(f.met_students, 0),
                'not_met': coalesce(f.not_met, 0),
                'not_met_students': coalesce(f.not_met_students, 0)
            } ORDER BY m.month)
     FROM month m
     LEFT JOIN frequency_month f ON f.month = m.month) AS frequency,
    (SELECT list(y ORDER BY y.school_year, y.by, y."group") FROM year_dropout y) AS school_years,
    (SELECT list(d ORDER BY d.month, d.destination) FROM destination_month d) AS destinations,
    (SELECT list(c ORDER BY c.cohort, c.months) FROM cohort_point c) AS cohorts,
    (SELECT list(c ORDER BY c.factor, c."group") FROM coordination c) AS coordination
