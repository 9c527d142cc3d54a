-- name: caseload_students
-- The students of one user's caseload on $today: those the user may see (__VISIBLE__ is
-- replaced by access.scope_sql), filtered by location / programme / class, by a guide and/or
-- that guide's role, and by "my students" (the user's own person holds an active role).
WITH visible AS (__VISIBLE__),
active_roles AS (
    SELECT r.student_id, r.person_id, r.role
    FROM roles r
    WHERE r.role <> 'parent' AND r.start_date <= $today
      AND (r.end_date IS NULL OR r.end_date >= $today)
),
mentors AS (
    SELECT r.student_id, string_agg(DISTINCT p.name, ', ' ORDER BY p.name) AS mentor
    FROM active_roles r JOIN staff p USING (person_id)
    WHERE r.role = 'mentor'
    GROUP BY r.student_id
)
SELECT s.student_id, s.first_name || ' ' || s.last_name AS name, s.location, s.programme,
       s.class_code, m.mentor,
       s.enrolment_date <= $today AND (s.status = 'active' OR s.status_date > $today) AS is_active
FROM students s LEFT JOIN mentors m USING (student_id)
WHERE s.student_id IN (SELECT student_id FROM visible)
  AND (len($locations::VARCHAR[]) = 0 OR list_contains($locations::VARCHAR[], s.location))
  AND (len($programmes::VARCHAR[]) = 0 OR list_contains($programmes::VARCHAR[], s.programme))
  AND (len($classes::VARCHAR[]) = 0 OR list_contains($classes::VARCHAR[], s.class_code))
  AND (($guide::VARCHAR IS NULL AND $role::VARCHAR IS NULL)
       OR s.student_id IN (SELECT student_id FROM active_roles
                           WHERE ($guide::VARCHAR IS NULL OR person_id = $guide::VARCHAR)
                             AND ($role::VARCHAR IS NULL OR role = $role::VARCHAR)))
  AND (NOT $mine OR s.student_id IN (SELECT student_id FROM active_roles WHERE person_id = $me))
ORDER BY s.student_id
