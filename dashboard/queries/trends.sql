-- name: trends
-- What a manager watches per month over the $months calendar months up to $as_of.
-- switch: visible  the student_ids whose figures the user may see (access.aggregate_scope_sql)
-- For those students and the location / programme / cohort (enrolled between $cohort_start
-- and $cohort_end, when given) filters: contacts, the fixed contact moments
-- held, and dropout beside direction.
--
-- One row of lists (contacts, moments, dropout: one struct per month and moment kind;
-- moment_groups: one per location and programme; moments_all: per month, all kinds): only aggregates leave the query. Each count `x` of contacts or moments comes with
-- `x_students`, the distinct students behind it, so trends.py can hide small cells. Month
-- `idx` (0 = $window_start) runs from its first day `month` to `last_day`: its last day, or
-- $as_of in the current month.
--
-- Which months a student had something in is kept as a bit mask (bit idx set): the distinct
-- students behind a monthly count then cost one row per student, not one per student and month.
WITH
month AS (
    SELECT idx, month, least(last_day(month), $as_of::DATE) AS last_day
    FROM (
        SELECT i AS idx, ($window_start::DATE + to_months(i::INTEGER))::DATE AS month
        FROM range($months) AS t(i)
    )
),
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

-- Dropout beside direction ---------------------------------------------------------------
direction AS MATERIALIZED (
    SELECT a.student_id, a.agreed_on, a.ended_on
    FROM agreements a
    WHERE a.topic = 'direction' AND a.agreed_on <= $as_of
      AND (a.ended_on IS NULL OR a.ended_on >= $window_start::DATE - 1)
      AND a.student_id IN (SELECT student_id FROM scoped)
),
-- The months on whose last day the student had an active direction agreement (a mask) ...
direction_months AS (
    SELECT d.student_id, bit_or(1 << m.idx) AS months
    FROM direction d
    JOIN month m ON d.agreed_on <= m.last_day AND (d.ended_on IS NULL OR m.last_day <= d.ended_on)
    GROUP BY d.student_id
),
-- ... and for those who left in the window, whether they had one on their last active day.
left_with_direction AS (
    SELECT s.student_id
    FROM scoped s
    WHERE s.status <> 'active' AND s.status_date >= $window_start AND s.status_date <= $as_of
      AND EXISTS (
          SELECT 1 FROM direction d
          WHERE d.student_id = s.student_id AND d.agreed_on <= s.status_date - 1
            AND (d.ended_on IS NULL OR s.status_date - 1 <= d.ended_on)
      )
),
-- Students on the rolls in a month: enrolled by its last day and not left before its first.
-- Those who did not leave by its last day are the month's active students (flags.md).
-- Direction counts as on their last active day in the month: its last day, or the day before
-- the status date for those who left in it.
student_month AS (
    SELECT m.month,
           s.status <> 'active' AND s.status_date <= m.last_day AS has_left,
           s.status = 'dropped_out' AND s.status_date <= m.last_day AS dropped_out,
           CASE WHEN s.status <> 'active' AND s.status_date <= m.last_day
                THEN w.student_id IS NOT NULL
                ELSE coalesce((d.months >> m.idx) & 1 = 1, false) END AS has_direction
    FROM scoped s
    LEFT JOIN direction_months d ON d.student_id = s.student_id
    LEFT JOIN left_with_direction w ON w.student_id = s.student_id
    JOIN month m
      ON s.enrolment_date <= m.last_day AND (s.status = 'active' OR s.status_date >= m.month)
),
dropout_month AS MATERIALIZED (
    SELECT month,
           count(*) FILTER (WHERE NOT has_left) AS active_students,
           count(*) AS students,
           count(*) FILTER (WHERE dropped_out) AS dropouts,
           count(*) FILTER (WHERE has_direction) AS students_with_direction,
           count(*) FILTER (WHERE dropped_out AND has_direction) AS dropouts_with_direction,
           count(*) FILTER (WHERE NOT has_direction) AS students_without_direction,
           count(*) FILTER (WHERE dropped_out AND NOT has_direction)
               AS dropouts_without_direction
    FROM student_month
    GROUP BY month
),

-- Contacts dated in the month (up to $as_of), of the students in scope ----------------------
contact_count AS (
    SELECT date_diff('month', $window_start::DATE, date) AS idx,
           sum(n) AS contacts,
           coalesce(sum(n) FILTER (WHERE kind IN ('start', 'mid', 'final')), 0) AS fixed_contacts
    FROM (
        SELECT c.date, c.kind, count(*) AS n
        FROM contacts c
        WHERE c.date >= $window_start AND c.date <= $as_of
          AND c.student_id IN (SELECT student_id FROM scoped)
        GROUP BY c.date, c.kind
    )
    GROUP BY idx
),
-- The students behind them: per student the months with a fixed / an incidental contact
-- (masks), then how many students share each pair of masks.
contact_masks AS (
    SELECT fixed, incidental, count(*) AS students
    FROM (
        SELECT student_id,
               coalesce(bit_or(1 << idx) FILTER (WHERE is_fixed), 0) AS fixed,
               coalesce(bit_or(1 << idx) FILTER (WHERE NOT is_fixed), 0) AS incidental
        FROM (
            SELECT student_id, date_diff('month', $window_start::DATE, date) AS idx,
                   kind IN ('start', 'mid', 'final') AS is_fixed
            FROM contacts
            WHERE date >= $window_start AND date <= $as_of
        )
        GROUP BY student_id
    )
    WHERE student_id IN (SELECT student_id FROM scoped)
    GROUP BY fixed, incidental
),
contact_month AS (
    SELECT m.month,
           coalesce(any_value(c.contacts), 0) AS contacts,
           coalesce(sum(k.students) FILTER (WHERE ((k.fixed | k.incidental) >> m.idx) & 1 = 1), 0)
               AS contacts_students,
           coalesce(any_value(c.fixed_contacts), 0) AS fixed_contacts,
           coalesce(sum(k.students) FILTER (WHERE (k.fixed >> m.idx) & 1 = 1), 0)
               AS fixed_contacts_students,
           coalesce(any_value(c.contacts - c.fixed_contacts), 0) AS incidental_contacts,
           coalesce(sum(k.students) FILTER (WHERE (k.incidental >> m.idx) & 1 = 1), 0)
               AS incidental_contacts_students
    FROM month m
    LEFT JOIN contact_count c ON c.idx = m.idx
    LEFT JOIN contact_masks k ON true
    GROUP BY m.month
),

-- Fixed contact moments --------------------------------------------------------------------
-- Due day = the moment's day + its grace days (the day after it START_MISSING, MID_OVERDUE or
-- FINAL_OVERDUE would fire). A moment counts only where that signal could fire: the student
-- active on the due day; start and mid while the placement still runs after it; final when
-- the placement did not end early. A contact of a placement is one of its student's
-- (interchange.md), so the first one of each kind on or before $as_of is when it was held.
-- "With all three parties" as MOMENT_INCOMPLETE reads it (flags.md): the placement's supervisor
-- among the participants, a participant holding a school-guide role for the student on the
-- day, the student present; a moment counts so when one of its contacts had all three.
held AS (
    SELECT c.placement_id,
           min(c.date) FILTER (WHERE c.kind = 'start') AS start_held,
           min(c.date) FILTER (WHERE c.kind = 'mid') AS mid_held,
           min(c.date) FILTER (WHERE c.kind = 'final') AS final_held,
           coalesce(bool_or(c.complete) FILTER (WHERE c.kind = 'start'), false) AS start_complete,
           coalesce(bool_or(c.complete) FILTER (WHERE c.kind = 'mid'), false) AS mid_complete,
           coalesce(bool_or(c.complete) FILTER (WHERE c.kind = 'final'), false) AS final_complete
    FROM (
        SELECT c.placement_id, c.kind, c.date,
               c.student_present AND list_contains(c.participants, p.supervisor_id)
               AND EXISTS (
                   SELECT 1 FROM roles r
                   WHERE r.student_id = c.student_id AND list_contains(c.participants, r.person_id)
                     AND r.role IN ('mentor', 'bpv_coordinator', 'class_counsellor')
                     AND r.start_date <= c.date AND (r.end_date IS NULL OR r.end_date >= c.date)
               ) AS complete
        FROM contacts c
        JOIN placements p ON p.placement_id = c.placement_id
        WHERE c.kind IN ('start', 'mid', 'final') AND c.date <= $as_of
          AND c.student_id IN (SELECT student_id FROM scoped)
    ) c
    GROUP BY c.placement_id
),
placement_moments AS (
    SELECT p.student_id, s.enrolment_date, s.status, s.status_date, s.location, s.programme,
           coalesce(p.ended_early_on, p.end_date) AS runs_until, p.ended_early_on,
           p.start_date + $start_grace_days AS start_due,
           -- mid = start + (planned end - start) // 2 whole days
           p.start_date + ((p.end_date - p.start_date) // 2)::INTEGER + $mid_grace_days AS mid_due,
           p.end_date + $final_grace_days AS final_due,
           h.start_held, h.mid_held, h.final_held,
           h.start_complete, h.mid_complete, h.final_complete
    FROM placements p
    JOIN scoped s ON s.student_id = p.student_id
    LEFT JOIN held h ON h.placement_id = p.placement_id
),
moment AS (
    SELECT *
    FROM (
        SELECT student_id, enrolment_date, status, status_date, location, programme,
               1 AS rank, start_due AS due, start_held AS held_on, start_complete AS complete
        FROM placement_moments
        WHERE runs_until > start_due
        UNION ALL
        SELECT student_id, enrolment_date, status, status_date, location, programme,
               2, mid_due, mid_held, mid_complete
        FROM placement_moments
        WHERE runs_until > mid_due
        UNION ALL
        SELECT student_id, enrolment_date, status, status_date, location, programme,
               3, final_due, final_held, final_complete
        FROM placement_moments
        WHERE ended_early_on IS NULL
    )
    WHERE due >= $window_start AND due <= $as_of
      AND enrolment_date <= due AND (status = 'active' OR status_date > due)
),
-- Per student and cell first (a student may have two placements due in one month).
moment_student AS (
    SELECT date_trunc('month', mo.due)::DATE AS month, mo.rank, mo.student_id,
           any_value(mo.location) AS location, any_value(mo.programme) AS programme,
           count(*) AS due,
           count(*) FILTER (WHERE mo.held_on <= mo.due) AS on_time,
           count(*) FILTER (WHERE mo.held_on > mo.due) AS late,
           count(*) FILTER (WHERE mo.held_on IS NULL) AS not_held,
           count(*) FILTER (WHERE mo.held_on IS NOT NULL AND mo.complete) AS all_three,
           count(*) FILTER (WHERE mo.held_on IS NOT NULL AND NOT mo.complete) AS partial
    FROM moment mo
    GROUP BY month, mo.rank, mo.student_id
),
moment_month AS (
    SELECT month, rank,
           sum(due) AS due, count(*) AS due_students,
           sum(on_time) AS on_time, count(*) FILTER (WHERE on_time > 0) AS on_time_students,
           sum(late) AS late, count(*) FILTER (WHERE late > 0) AS late_students,
           sum(not_held) AS not_held, count(*) FILTER (WHERE not_held > 0) AS not_held_students,
           sum(all_three) AS all_three, count(*) FILTER (WHERE all_three > 0) AS all_three_students,
           sum(partial) AS partial, count(*) FILTER (WHERE partial > 0) AS partial_students
    FROM moment_student
    GROUP BY month, rank
),
-- All kinds together per month (a student counted once a month).
moment_all_month AS (
    SELECT month,
           sum(due) AS due, count(*) AS due_students,
           sum(on_time) AS on_time, count(*) FILTER (WHERE on_time > 0) AS on_time_students,
           sum(late) AS late, count(*) FILTER (WHERE late > 0) AS late_students,
           sum(not_held) AS not_held, count(*) FILTER (WHERE not_held > 0) AS not_held_students,
           sum(all_three) AS all_three, count(*) FILTER (WHERE all_three > 0) AS all_three_students,
           sum(partial) AS partial, count(*) FILTER (WHERE partial > 0) AS partial_students
    FROM (
        SELECT month, student_id, sum(due) AS due, sum(on_time) AS on_time, sum(late) AS late,
               sum(not_held) AS not_held, sum(all_three) AS all_three, sum(partial) AS partial
        FROM moment_student
        GROUP BY month, student_id
    )
    GROUP BY month
),
-- The same over the whole window, per location and per programme (all kinds together): per
-- student first, so a student is counted with a plain count (a student has one location and
-- one programme), not a DISTINCT per cell.
moment_group AS (
    SELECT CASE WHEN grouping(location) = 0 THEN 'location' ELSE 'programme' END AS by,
           coalesce(location, programme) AS "group",
           sum(due) AS due, count(*) AS due_students,
           sum(on_time) AS on_time, count(*) FILTER (WHERE on_time > 0) AS on_time_students,
           sum(late) AS late, count(*) FILTER (WHERE late > 0) AS late_students,
           sum(not_held) AS not_held, count(*) FILTER (WHERE not_held > 0) AS not_held_students,
           sum(all_three) AS all_three, count(*) FILTER (WHERE all_three > 0) AS all_three_students,
           sum(partial) AS partial, count(*) FILTER (WHERE partial > 0) AS partial_students
    FROM (
        SELECT student_id, any_value(location) AS location, any_value(programme) AS programme,
               sum(due) AS due, sum(on_time) AS on_time, sum(late) AS late,
               sum(not_held) AS not_held, sum(all_three) AS all_three, sum(partial) AS partial
        FROM moment_student
        GROUP BY student_id
    )
    GROUP BY GROUPING SETS ((location), (programme))
),
moment_kind AS (
    SELECT * FROM (VALUES (1, 'start'), (2, 'mid'), (3, 'final')) AS k(rank, kind)
)
SELECT
    (SELECT list({
                'month': m.month,
                'active_students': coalesce(d.active_students, 0),
                'contacts': c.contacts,
                'contacts_students': c.contacts_students,
                'fixed_contacts': c.fixed_contacts,
                'fixed_contacts_students': c.fixed_contacts_students,
                'incidental_contacts': c.incidental_contacts,
                'incidental_contacts_students': c.incidental_contacts_students
            } ORDER BY m.month)
     FROM month m
     JOIN contact_month c ON c.month = m.month
     LEFT JOIN dropout_month d ON d.month = m.month) AS contacts,
    (SELECT list({
                'month': m.month,
                'kind': k.kind,
                'due': coalesce(x.due, 0),
                'due_students': coalesce(x.due_students, 0),
                'on_time': coalesce(x.on_time, 0),
                'on_time_students': coalesce(x.on_time_students, 0),
                'late': coalesce(x.late, 0),
                'late_students': coalesce(x.late_students, 0),
                'not_held': coalesce(x.not_held, 0),
                'not_held_students': coalesce(x.not_held_students, 0),
                'all_three': coalesce(x.all_three, 0),
                'all_three_students': coalesce(x.all_three_students, 0),
                'partial': coalesce(x.partial, 0),
                'partial_students': coalesce(x.partial_students, 0)
            } ORDER BY m.month, k.rank)
     FROM month m
     CROSS JOIN moment_kind k
     LEFT JOIN moment_month x ON x.month = m.month AND x.rank = k.rank) AS moments,
    (SELECT list({
                'month': m.month,
                'students': coalesce(d.students, 0),
                'dropouts': coalesce(d.dropouts, 0),
                'students_with_direction': coalesce(d.students_with_direction, 0),
                'dropouts_with_direction': coalesce(d.dropouts_with_direction, 0),
                'students_without_direction': coalesce(d.students_without_direction, 0),
                'dropouts_without_direction': coalesce(d.dropouts_without_direction, 0)
            } ORDER BY m.month)
     FROM month m
     LEFT JOIN dropout_month d ON d.month = m.month) AS dropout,
    (SELECT list(g ORDER BY g.by, g."group") FROM moment_group g) AS moment_groups,
    (SELECT list({
                'month': m.month,
                'due': coalesce(x.due, 0),
                'due_students': coalesce(x.due_students, 0),
                'on_time': coalesce(x.on_time, 0),
                'on_time_students': coalesce(x.on_time_students, 0),
                'late': coalesce(x.late, 0),
                'late_students': coalesce(x.late_students, 0),
                'not_held': coalesce(x.not_held, 0),
                'not_held_students': coalesce(x.not_held_students, 0),
                'all_three': coalesce(x.all_three, 0),
                'all_three_students': coalesce(x.all_three_students, 0),
                'partial': coalesce(x.partial, 0),
                'partial_students': coalesce(x.partial_students, 0)
            } ORDER BY m.month)
     FROM month m
     LEFT JOIN moment_all_month x ON x.month = m.month) AS moments_all
