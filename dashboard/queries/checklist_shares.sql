-- name: checklist_shares
-- Per location, programme and checklist item: how many students were scored, and how many with "ruimte voor verbetering".
-- switch: visible  the student_ids whose figures the user may see (access.aggregate_scope_sql)
-- For the students of `visible` and the location / programme filters, over the checklists
-- filled in on the $window_days days up to $as_of (and by $parties, when given): per student
-- and item the latest day a party scored it (voldoende or ruimte voor verbetering; "niet
-- besproken" is no score). The student counts as `improve` when a party said so that day,
-- else as `sufficient`. Only aggregates leave the query; every count is of students.
WITH
visible AS (/*:visible*/),
scoped AS MATERIALIZED (
    SELECT s.student_id, s.location, s.programme
    FROM students s
    WHERE s.student_id IN (SELECT student_id FROM visible)
      AND (len($locations::VARCHAR[]) = 0 OR list_contains($locations::VARCHAR[], s.location))
      AND (len($programmes::VARCHAR[]) = 0 OR list_contains($programmes::VARCHAR[], s.programme))
),
scored AS (
    SELECT c.student_id, a.item_id, c.filled_on, a.score,
           max(c.filled_on) OVER (PARTITION BY c.student_id, a.item_id) AS last_on
    FROM checklists c
    JOIN checklist_answers a ON a.checklist_id = c.checklist_id
    WHERE c.student_id IN (SELECT student_id FROM scoped)
      AND c.filled_on <= $as_of AND c.filled_on > $as_of::DATE - $window_days::INTEGER
      AND (len($parties::VARCHAR[]) = 0 OR list_contains($parties::VARCHAR[], c.party))
      AND a.score IN ('sufficient', 'improve')
),
latest AS (
    SELECT student_id, item_id, bool_or(score = 'improve') AS improve
    FROM scored
    WHERE filled_on = last_on
    GROUP BY student_id, item_id
),
item AS (
    SELECT * FROM checklist_items i
    WHERE version = (SELECT max(version) FROM checklist_items j WHERE j.item_id = i.item_id)
)
SELECT s.location, s.programme, i.checklist, i.item_id, i.position, i.wording_nl, i.wording_en,
       count(*) AS scored,
       count(*) FILTER (WHERE l.improve) AS improve,
       count(*) FILTER (WHERE NOT l.improve) AS sufficient
FROM latest l
JOIN scoped s ON s.student_id = l.student_id
JOIN item i ON i.item_id = l.item_id
GROUP BY ALL
ORDER BY s.location, s.programme, i.checklist, i.position, i.item_id
