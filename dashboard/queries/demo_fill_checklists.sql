-- name: demo_fill_checklists
-- Writes filled-in checklists (dashboard/checklists) for the contacts demo_fill_contacts wrote.
-- About half the held start and mid moments carry the collaboration checklist of the student
-- and of the school's guide, a third of those also the workplace's view (entered by the
-- supervisor). A third of the students have their mentor's guidance checklist at their two
-- latest incidental contacts. Scores are mostly "voldoende"; the student sees room for
-- improvement a little more often than the guides (so the file shows where parties differ),
-- and "direction and responsibility" and "informing" much more often where no agreement on
-- them was in force (so the step that closes NO_DIRECTION / NO_INFORMATION_AGREEMENT shows).
-- Ids: CL-<contact id>-<party>; recorded at ten in the morning of the day (deterministic).
CREATE OR REPLACE TEMP TABLE demo_cl AS
WITH moment AS (
    SELECT c.contact_id, c.student_id, c.placement_id, c.date, c.participants,
           row_number() OVER (ORDER BY c.contact_id) AS k
    FROM contacts c
    WHERE c.kind IN ('start', 'mid') AND len(c.participants) > 0
),
collaboration AS (
    SELECT 'CL-' || m.contact_id || '-' || party AS checklist_id, m.student_id,
           'collaboration' AS checklist, party, m.date AS filled_on, m.placement_id,
           m.contact_id,
           CASE WHEN party = 'workplace' THEN p.supervisor_id ELSE m.participants[1] END
               AS recorded_by,
           m.k
    FROM moment m
    JOIN placements p ON p.placement_id = m.placement_id
    CROSS JOIN unnest(['student', 'school', 'workplace']) AS t(party)
    WHERE demo_u(m.k, 'clm') < 0.5
      AND (party <> 'workplace' OR (demo_u(m.k, 'clw') < 0.35 AND p.supervisor_id IS NOT NULL))
),
talk AS (
    SELECT c.contact_id, c.student_id, c.date,
           row_number() OVER (PARTITION BY c.student_id ORDER BY c.date DESC, c.contact_id) AS nth,
           1000000 + row_number() OVER (ORDER BY c.contact_id) AS k
    FROM contacts c
    WHERE c.kind = 'incidental'
),
mentor AS (
    SELECT student_id, arg_max(person_id, start_date) AS person_id
    FROM roles WHERE role = 'mentor' GROUP BY student_id
),
guidance AS (
    SELECT 'CL-' || t.contact_id || '-guidance', t.student_id, 'guidance', 'school', t.date,
           NULL, NULL, m.person_id, t.k
    FROM talk t
    JOIN mentor m USING (student_id)
    WHERE t.nth <= 2 AND demo_u(substr(t.student_id, 2)::BIGINT, 'clg') < 0.33
)
SELECT * FROM collaboration
UNION ALL
SELECT * FROM guidance;

INSERT INTO checklists
SELECT checklist_id, student_id, checklist, party, filled_on, placement_id, contact_id,
       recorded_by, filled_on + INTERVAL 10 HOUR
FROM demo_cl
WHERE recorded_by IS NOT NULL;

INSERT INTO checklist_answers
WITH answer AS (
    SELECT cl.checklist_id, cl.student_id, i.item_id, i.version,
           demo_u(cl.k * 1000 + i.position * 10 + list_position(['student', 'school', 'workplace'], cl.party), 'cls') AS u,
           0.12
           + CASE WHEN cl.party = 'student' THEN 0.10 ELSE 0 END
           + CASE WHEN i.item_id IN ('direction', 'informing') AND NOT EXISTS (
                 SELECT 1 FROM agreements a
                 WHERE a.student_id = cl.student_id
                   AND a.topic = CASE i.item_id WHEN 'direction' THEN 'direction' ELSE 'information' END
                   AND a.agreed_on <= cl.filled_on
                   AND (a.ended_on IS NULL OR a.ended_on >= cl.filled_on)
             ) THEN 0.45 ELSE 0 END AS p_improve,
           cl.k * 1000 + i.position AS nk
    FROM demo_cl cl
    JOIN checklist_items i ON i.checklist = cl.checklist
    WHERE cl.recorded_by IS NOT NULL
      AND i.version = (SELECT max(version) FROM checklist_items j WHERE j.item_id = i.item_id)
      AND NOT i.retired
)
SELECT a.checklist_id, a.student_id, a.item_id, a.version,
       CASE WHEN a.u < 0.12 THEN 'not_discussed'
            WHEN a.u < 0.12 + a.p_improve THEN 'improve'
            ELSE 'sufficient' END,
       CASE WHEN a.u >= 0.12 AND a.u < 0.12 + a.p_improve AND demo_u(a.nk, 'cln') < 0.3
            THEN n.text END
FROM answer a
LEFT JOIN demo_pool n ON n.pool = 'note_checklist' AND n.k = demo_n(a.nk, 'clnt', 4);

DROP TABLE demo_cl;
