-- name: student_options
-- The distinct locations, programmes, classes and statuses among the students a user may see.
-- switch: visible  the student_ids the user may see (access.scope_sql, a query)
WITH visible AS (/*:visible*/)
SELECT list(DISTINCT location ORDER BY location),
       list(DISTINCT programme ORDER BY programme),
       list(DISTINCT class_code ORDER BY class_code) FILTER (WHERE class_code IS NOT NULL),
       list(DISTINCT status ORDER BY status)
FROM students
WHERE student_id IN (SELECT student_id FROM visible)
