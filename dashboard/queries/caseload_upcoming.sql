-- name: caseload_upcoming
-- The plan: fixed contact moments (start, mid, final) of the active students in $student_ids
-- that fall due within $days after $today, not held yet and not overdue yet (overdue ones are
-- signals). Due: start = start_date, mid = start_date + (end_date - start_date) // 2,
-- final = end_date; each may still be held until due + its grace days (docs/flags.md).
WITH moments AS (
    SELECT placement_id, student_id, company, supervisor_id, ended_early_on,
           'start' AS kind, start_date AS due, $start_grace::INTEGER AS grace
    FROM placements
    UNION ALL
    SELECT placement_id, student_id, company, supervisor_id, ended_early_on,
           'mid', start_date + ((end_date - start_date) // 2)::INTEGER, $mid_grace::INTEGER
    FROM placements
    UNION ALL
    SELECT placement_id, student_id, company, supervisor_id, ended_early_on,
           'final', end_date, $final_grace::INTEGER
    FROM placements
)
SELECT m.student_id, s.first_name || ' ' || s.last_name AS name, m.placement_id, m.company,
       sup.name AS supervisor, m.kind, m.due, m.due + m.grace AS deadline
FROM moments m
JOIN students s USING (student_id)
LEFT JOIN staff sup ON sup.person_id = m.supervisor_id
WHERE list_contains($student_ids::VARCHAR[], m.student_id)
  AND s.enrolment_date <= $today AND (s.status = 'active' OR s.status_date > $today)
  AND (m.ended_early_on IS NULL OR (m.kind <> 'final' AND m.ended_early_on > $today))
  AND m.due <= $today + $days::INTEGER
  AND $today <= m.due + m.grace
  AND NOT EXISTS (
      SELECT 1 FROM contacts c
      WHERE c.placement_id = m.placement_id AND c.kind = m.kind AND c.date <= $today)
ORDER BY m.due, s.last_name, s.first_name, m.student_id, m.placement_id
