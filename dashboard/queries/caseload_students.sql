-- name: caseload_students
-- The students of one user's caseload on $today: those the user may see, filtered by location /
-- programme / class, by a guide and/or that guide's role, and by "my students" (the user's own
-- person holds an active role). access.scoped_query fills __VISIBLE__ and __ACTIVE_ROLE__.
-- The guide and mine markers are filled in by caseload.py with `true` or a fixed subquery (an
-- unused filter then costs nothing). The students are chosen first and only their mentors
-- are looked up: a caseload is a few hundred students of a store that may hold 500,000.
WITH visible AS (__VISIBLE__),
chosen AS MATERIALIZED (
    SELECT s.*
    FROM students s
    WHERE s.student_id IN (SELECT student_id FROM visible)
      AND (len($locations::VARCHAR[]) = 0 OR list_contains($locations::VARCHAR[], s.location))
      AND (len($programmes::VARCHAR[]) = 0 OR list_contains($programmes::VARCHAR[], s.programme))
      AND (len($classes::VARCHAR[]) = 0 OR list_contains($classes::VARCHAR[], s.class_code))
      AND /*guide*/
      AND /*mine*/
),
mentors AS (
    SELECT r.student_id, string_agg(DISTINCT p.name, ', ' ORDER BY p.name) AS mentor
    FROM roles r JOIN staff p USING (person_id)
    WHERE r.role = 'mentor' AND __ACTIVE_ROLE__
      AND r.student_id IN (SELECT student_id FROM chosen)
    GROUP BY r.student_id
)
SELECT c.student_id, c.first_name || ' ' || c.last_name AS name, c.location, c.programme,
       c.class_code, m.mentor,
       c.enrolment_date <= $today AND (c.status = 'active' OR c.status_date > $today) AS is_active
FROM chosen c LEFT JOIN mentors m USING (student_id)
ORDER BY c.student_id
