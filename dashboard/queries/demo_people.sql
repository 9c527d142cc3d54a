-- name: demo_people
-- One good person per kind of demo account, as (kind, person_id) rows; $today = the day.
-- switch: active_role  the role row `r` is active on $today (access.ACTIVE_ROLE)
WITH active_roles AS (
    SELECT r.*, s.location
    FROM roles r JOIN students s USING (student_id)
    WHERE /*:active_role*/
        AND s.enrolment_date <= $today AND (s.status = 'active' OR s.status_date > $today)
),
per_person AS (
    SELECT role, person_id, count(DISTINCT student_id) AS n FROM active_roles GROUP BY ALL
),
supervised AS (
    -- supervisors of active placements (with their role), what the student shares with the
    -- workplace and whether the student has contacts only care roles may read
    SELECT p.supervisor_id AS person_id,
        (SELECT c.shares FROM consents c
         WHERE c.student_id = p.student_id AND c.audience = 'workplace' AND c.decided_on <= $today
         ORDER BY c.decided_on DESC LIMIT 1) AS shares,
        EXISTS (SELECT 1 FROM contacts k
                WHERE k.student_id = p.student_id AND k.visibility = 'care' AND k.date <= $today)
            AS has_care_contacts
    FROM placements p
    JOIN active_roles r ON r.student_id = p.student_id AND r.person_id = p.supervisor_id
        AND r.role = 'workplace_supervisor'
    WHERE p.start_date <= $today AND $today <= coalesce(p.ended_early_on, p.end_date)
),
supervisors AS (
    SELECT person_id, bool_and(coalesce(shares, false)) AS all_share,
        bool_and(NOT coalesce(shares, false)) AS none_share, bool_or(has_care_contacts) AS care_contacts
    FROM supervised GROUP BY person_id
)
SELECT 'care_coordinator' AS kind,
    (SELECT person_id FROM per_person WHERE role = 'care_coordinator' ORDER BY n DESC, person_id LIMIT 1)
UNION ALL
SELECT 'care_worker',
    (SELECT person_id FROM per_person WHERE role = 'care_worker' ORDER BY n DESC, person_id LIMIT 1)
UNION ALL
SELECT 'guide',
    (SELECT person_id FROM per_person WHERE role = 'mentor' AND n BETWEEN 10 AND 30
     ORDER BY abs(n - 20), person_id LIMIT 1)
UNION ALL
SELECT 'class_counsellor',
    (SELECT person_id FROM per_person WHERE role = 'class_counsellor' ORDER BY n DESC, person_id LIMIT 1)
UNION ALL
SELECT 'workplace',
    (SELECT person_id FROM supervisors WHERE all_share AND care_contacts ORDER BY person_id LIMIT 1)
UNION ALL
SELECT 'workplace_no_consent',
    (SELECT person_id FROM supervisors WHERE none_share AND care_contacts ORDER BY person_id LIMIT 1);
