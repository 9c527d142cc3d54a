-- name: signal_people
-- The names the signal texts use (signals.describe) on $as_of.
-- For the given students, placements and persons: one row per (kind, key, sub) with a value.
--   role:      key student_id, sub mentor / care_coordinator / class_counsellor / direction
--              (the direction holder), value the names of the people holding it (", ")
--   placement: key placement_id, sub the company, value the supervisor's name
--   person:    key person_id, value the name
-- Each list is filtered first (MATERIALIZED), so the joins with staff stay small.
WITH
wanted_role AS MATERIALIZED (
    SELECT student_id, person_id, role
    FROM roles
    WHERE student_id IN (SELECT unnest($student_ids::VARCHAR[]))
      AND role IN ('mentor', 'care_coordinator', 'class_counsellor')
      AND start_date <= $as_of AND (end_date IS NULL OR $as_of <= end_date)
    UNION ALL
    SELECT student_id, holder_id, 'direction'
    FROM agreements
    WHERE student_id IN (SELECT unnest($student_ids::VARCHAR[]))
      AND topic = 'direction'
      AND agreed_on <= $as_of AND (ended_on IS NULL OR $as_of <= ended_on)
),
wanted_placement AS MATERIALIZED (
    SELECT placement_id, company, supervisor_id
    FROM placements
    WHERE placement_id IN (SELECT unnest($placement_ids::VARCHAR[]))
),
wanted_person AS MATERIALIZED (
    SELECT person_id FROM wanted_role
    UNION
    SELECT supervisor_id FROM wanted_placement
    UNION
    SELECT unnest($person_ids::VARCHAR[])
),
person_name AS MATERIALIZED (
    SELECT s.person_id, s.name
    FROM staff s
    SEMI JOIN wanted_person w ON w.person_id = s.person_id
)
SELECT 'role' AS kind, r.student_id AS key, r.role AS sub,
       string_agg(DISTINCT coalesce(n.name, r.person_id), ', '
                  ORDER BY coalesce(n.name, r.person_id)) AS value
FROM wanted_role r
LEFT JOIN person_name n ON n.person_id = r.person_id
GROUP BY r.student_id, r.role
UNION ALL
SELECT 'placement', p.placement_id, p.company, n.name
FROM wanted_placement p
LEFT JOIN person_name n ON n.person_id = p.supervisor_id
UNION ALL
SELECT 'person', n.person_id, NULL, n.name
FROM person_name n
WHERE n.person_id IN (SELECT unnest($person_ids::VARCHAR[]))
