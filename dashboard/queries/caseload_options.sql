-- name: caseload_options
-- The values the caseload's filters can take among the students a user may see on $today.
-- switch: visible  the student_ids the user may see (access.scope_sql, a query)
-- switch: active_role  the role row `r` is active on $today (access.ACTIVE_ROLE)
-- One row: the locations, programmes, classes, guides ({id, name}) and their roles, each a
-- sorted list.
WITH visible AS (/*:visible*/),
mine AS (
    SELECT * FROM students WHERE student_id IN (SELECT student_id FROM visible)
),
guides AS (
    SELECT DISTINCT r.person_id, p.name, r.role
    FROM roles r JOIN staff p USING (person_id)
    WHERE r.role <> 'parent' AND /*:active_role*/
      AND r.student_id IN (SELECT student_id FROM mine)
)
SELECT (SELECT list(DISTINCT location ORDER BY location) FROM mine),
       (SELECT list(DISTINCT programme ORDER BY programme) FROM mine),
       (SELECT list(DISTINCT class_code ORDER BY class_code)
            FILTER (WHERE class_code IS NOT NULL) FROM mine),
       (SELECT list(DISTINCT {'id': person_id, 'name': name}
            ORDER BY {'id': person_id, 'name': name}) FROM guides),
       (SELECT list(DISTINCT role ORDER BY role) FROM guides)
