-- name: caseload_upcoming
-- The plan of a caseload: its fixed contact moments coming up and not held yet.
-- switch: scope  `true` (every student) or a filter on the students asked for ($student_ids)
-- The fixed contact moments (start, mid, final) of the active students asked for that
-- fall due within $days after $today, not held yet and not overdue yet (overdue ones are
-- signals). Due: start = start_date, mid = start_date + (end_date - start_date) // 2,
-- final = end_date; each may still be held until due + its grace days (docs/flags.md).
-- The scope applies to the placements and contacts read.
WITH placement AS MATERIALIZED (
    SELECT p.placement_id, p.student_id, p.company, p.supervisor_id, p.start_date, p.end_date,
           p.ended_early_on
    FROM placements p
    WHERE /*:scope*/
),
moments AS (
    SELECT placement_id, student_id, company, supervisor_id, ended_early_on,
           'start' AS kind, start_date AS due, $start_grace::INTEGER AS grace
    FROM placement
    UNION ALL
    SELECT placement_id, student_id, company, supervisor_id, ended_early_on,
           'mid', start_date + ((end_date - start_date) // 2)::INTEGER, $mid_grace::INTEGER
    FROM placement
    UNION ALL
    SELECT placement_id, student_id, company, supervisor_id, ended_early_on,
           'final', end_date, $final_grace::INTEGER
    FROM placement
),
held AS (
    SELECT DISTINCT c.placement_id, c.kind
    FROM contacts c
    WHERE /*:scope*/
      AND c.kind IN ('start', 'mid', 'final') AND c.date <= $today
)
SELECT m.student_id, s.first_name || ' ' || s.last_name AS name, m.placement_id, m.company,
       sup.name AS supervisor, m.kind, m.due, m.due + m.grace AS deadline,
       s.last_name, s.first_name
FROM moments m
JOIN students s USING (student_id)
LEFT JOIN staff sup ON sup.person_id = m.supervisor_id
ANTI JOIN held h ON h.placement_id = m.placement_id AND h.kind = m.kind
WHERE s.enrolment_date <= $today AND (s.status = 'active' OR s.status_date > $today)
  AND (m.ended_early_on IS NULL OR (m.kind <> 'final' AND m.ended_early_on > $today))
  AND m.due <= $today + $days::INTEGER
  AND $today <= m.due + m.grace
ORDER BY m.due, s.last_name, s.first_name, m.student_id, m.placement_id, m.kind
