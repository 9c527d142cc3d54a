-- name: student_list
-- One page of the students a user may see, filtered, with their mentors.
-- switch: visible  the student_ids the user may see (access.scope_sql, a query)
-- switch: active_role  the role row `r` is active on $today (access.ACTIVE_ROLE)
-- Filtered by search text and location / programme / class / status.
WITH visible AS (/*:visible*/),
chosen AS (
    SELECT s.*
    FROM students s
    WHERE s.student_id IN (SELECT student_id FROM visible)
      AND ($search = ''
           OR contains(lower(s.student_id), lower($search))
           OR contains(lower(s.first_name || ' ' || s.last_name), lower($search)))
      AND (len($locations::VARCHAR[]) = 0 OR list_contains($locations::VARCHAR[], s.location))
      AND (len($programmes::VARCHAR[]) = 0 OR list_contains($programmes::VARCHAR[], s.programme))
      AND (len($classes::VARCHAR[]) = 0 OR list_contains($classes::VARCHAR[], s.class_code))
      AND (len($statuses::VARCHAR[]) = 0 OR list_contains($statuses::VARCHAR[], s.status))
),
mentors AS (
    SELECT r.student_id, string_agg(DISTINCT p.name, ', ' ORDER BY p.name) AS mentor
    FROM roles r JOIN staff p USING (person_id)
    WHERE r.role = 'mentor' AND /*:active_role*/
      AND r.student_id IN (SELECT student_id FROM chosen)
    GROUP BY r.student_id
)
SELECT c.student_id, c.first_name || ' ' || c.last_name AS name, c.programme, c.location,
       c.class_code, c.status, m.mentor, count(*) OVER () AS total
FROM chosen c LEFT JOIN mentors m USING (student_id)
ORDER BY c.last_name, c.first_name, c.student_id
LIMIT $limit OFFSET $offset
