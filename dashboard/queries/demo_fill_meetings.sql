-- name: demo_fill_meetings
-- Writes one past caseload meeting per location, with decisions and actions to follow up.
--
-- Each meeting was three weeks before the demo's today and is closed; a sixth of the
-- location's active students are on its agenda, with an action for their mentor: some done,
-- some still open after their due date (ACTION_OVERDUE), as a real school's follow-up looks.
CREATE OR REPLACE TEMP TABLE demo_meeting AS
SELECT location, 'M-demo-' || row_number() OVER (ORDER BY location) AS meeting_id,
       getvariable('demo_today_d') - 21 AS held_on
FROM (SELECT DISTINCT location FROM students);

CREATE OR REPLACE TEMP TABLE demo_item AS
SELECT m.meeting_id, m.held_on, s.student_id,
       row_number() OVER (PARTITION BY m.meeting_id ORDER BY s.student_id) AS position,
       CAST(substr(s.student_id, 2) AS INTEGER) AS k,
       (SELECT min(r.person_id) FROM roles r
        WHERE r.student_id = s.student_id AND r.role = 'mentor'
          AND r.start_date <= m.held_on AND (r.end_date IS NULL OR r.end_date >= m.held_on))
           AS mentor
FROM students s
JOIN demo_meeting m USING (location)
WHERE CAST(substr(s.student_id, 2) AS INTEGER) % 6 = 0
  AND s.enrolment_date <= m.held_on AND (s.status = 'active' OR s.status_date > m.held_on);

INSERT INTO meetings
SELECT meeting_id, held_on, 'internal', 'location', location, 90, 'zorgcoordinator',
       held_on::TIMESTAMP + INTERVAL 10 HOUR, held_on::TIMESTAMP + INTERVAL 12 HOUR,
       'zorgcoordinator'
FROM demo_meeting;

INSERT INTO meeting_attendees
SELECT DISTINCT meeting_id, mentor, 'mentor', true FROM demo_item WHERE mentor IS NOT NULL;

INSERT INTO meeting_items
SELECT meeting_id, student_id, position, 5,
       CASE WHEN k % 4 = 0 THEN 'high' ELSE 'longest_ago' END
FROM demo_item;

INSERT INTO meeting_decisions
SELECT 'MD-demo-' || student_id, meeting_id, student_id, 'text',
       'Besproken; de mentor houdt contact met de leerling en de praktijkbegeleider.', NULL,
       false, 'zorgcoordinator', held_on::TIMESTAMP + INTERVAL 11 HOUR
FROM demo_item;

INSERT INTO meeting_actions
SELECT 'MA-demo-' || student_id, meeting_id, student_id,
       CASE WHEN k % 4 = 0 THEN 'Gesprek met de leerling over de stage'
            ELSE 'Contact opnemen met de praktijkbegeleider' END,
       mentor, held_on + 7, NULL, false, 'zorgcoordinator',
       held_on::TIMESTAMP + INTERVAL 11 HOUR
FROM demo_item
WHERE mentor IS NOT NULL;

-- Every action opened on the meeting's day; every other one was done five days later.
INSERT INTO meeting_action_status
SELECT 'MA-demo-' || student_id, student_id, 'open', held_on, 'zorgcoordinator',
       held_on::TIMESTAMP + INTERVAL 11 HOUR
FROM demo_item
WHERE mentor IS NOT NULL;

INSERT INTO meeting_action_status
SELECT 'MA-demo-' || student_id, student_id, 'done', held_on + 5, mentor,
       (held_on + 5)::TIMESTAMP + INTERVAL 9 HOUR
FROM demo_item
WHERE mentor IS NOT NULL AND k % 12 = 0;

DROP TABLE demo_item;
DROP TABLE demo_meeting;
