-- name: caseload_students
-- The students of one user's caseload on $today, filtered, with their mentors' person ids.
-- switch: in_scope  `s` is one the user may see: its id IN access.scope_sql, or IN bound values
-- switch: mentor_scope  `r` is a role of a chosen student (or of one of the bound values)
-- switch: active_role  the role row `r` is active on $today (access.ACTIVE_ROLE)
-- switch: guide  `true`, or the students for whom $guide holds an active role (as $role)
-- switch: mine  `true`, or the students for whom the user's own person ($me) holds one
-- Those the user may see, filtered by location / programme / class, by a guide and/or that
-- guide's role, and by "my students". caseload.py fills guide and mine with `true` or a fixed
-- subquery (an unused filter then costs nothing). The students are chosen first and only
-- their mentors are looked up: a caseload is a few hundred students of a store that may hold
-- 500,000. A person's own caseload comes as bound values, and caseload.py looks the mentors'
-- names up in staff by bound values too (it says why).
WITH chosen AS MATERIALIZED (
    SELECT s.*
    FROM students s
    WHERE /*:in_scope*/
      AND (len($locations::VARCHAR[]) = 0 OR list_contains($locations::VARCHAR[], s.location))
      AND (len($programmes::VARCHAR[]) = 0 OR list_contains($programmes::VARCHAR[], s.programme))
      AND (len($classes::VARCHAR[]) = 0 OR list_contains($classes::VARCHAR[], s.class_code))
      AND /*:guide*/
      AND /*:mine*/
),
mentors AS (
    SELECT r.student_id, list(DISTINCT r.person_id ORDER BY r.person_id) AS mentor_ids
    FROM roles r
    WHERE r.role = 'mentor' AND /*:active_role*/
      AND /*:mentor_scope*/
    GROUP BY r.student_id
)
SELECT c.student_id, c.first_name || ' ' || c.last_name AS name, c.location, c.programme,
       c.class_code, coalesce(m.mentor_ids, []) AS mentor_ids,
       c.enrolment_date <= $today AND (c.status = 'active' OR c.status_date > $today) AS is_active
FROM chosen c LEFT JOIN mentors m USING (student_id)
ORDER BY c.student_id
