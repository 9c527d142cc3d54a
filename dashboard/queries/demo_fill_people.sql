-- name: demo_fill_people
-- Writes students, staff, placements and roles from the plan (demo_plan.sql).

INSERT INTO students
SELECT
    s.sid,
    fn.text,
    ln.text,
    s.birth,
    pr.name,
    lo.name,
    -- class: location, programme, school year of enrolment (from August), mentor letter
    lo.code || '-' || pr.code || strftime(s.enrol - 212, '%y')
        || CASE WHEN s.letter < 26 THEN chr(65 + s.letter)
            ELSE chr(65 + (s.letter // 26 - 1) % 26) || chr(65 + s.letter % 26) END,
    s.enrol,
    s.status,
    s.s_date,
    CASE s.status
        WHEN 'active' THEN NULL
        WHEN 'progressed' THEN CASE WHEN s.dur = 365 THEN 'Doorstroom naar niveau 2'
            ELSE 'Doorstroom naar niveau 3' END
        ELSE rs.text
    END
FROM demo_st s
JOIN demo_pool fn ON fn.pool = 'first' AND fn.k = s.first_k
JOIN demo_pool ln ON ln.pool = 'last' AND ln.k = s.last_k
JOIN demo_prog pr ON pr.g = s.g
JOIN demo_loc lo ON lo.l = s.l
LEFT JOIN demo_pool rs ON rs.pool = 'reason_' || s.status AND rs.k = demo_n(s.i, 'sreason', 4);

INSERT INTO staff
SELECT pid, name, organisation, organisation_kind, email, phone FROM demo_p;

INSERT INTO placements
SELECT plid, 'S' || num, company, sup_pid, start_d, end_d, early_on FROM demo_pl;

INSERT INTO roles
-- mentors: most keep one; some changed mentor; some lost theirs without a successor
SELECT sid, mentor_pid, 'mentor', enrol, s_date, NULL FROM demo_st WHERE mentor_mode = 'same'
UNION ALL
SELECT sid, prev_pid, 'mentor', enrol, change_d, NULL FROM demo_st WHERE mentor_mode = 'change'
UNION ALL
SELECT sid, mentor_pid, 'mentor', change_d + 1, s_date, NULL FROM demo_st WHERE mentor_mode = 'change'
UNION ALL
SELECT sid, prev_pid, 'mentor', enrol, gone_d, NULL FROM demo_st WHERE mentor_mode = 'gone'
UNION ALL
SELECT sid, bpv_role_pid, 'bpv_coordinator', bpv_start, s_date, NULL
FROM demo_st WHERE bpv_role_pid IS NOT NULL
UNION ALL
SELECT sid, kaw_pid, 'class_counsellor', enrol, s_date, 'KAW-er van de klas'
FROM demo_st WHERE kaw_pid IS NOT NULL
UNION ALL
SELECT sid, cc_pid, 'care_coordinator', cc_start, s_date, NULL FROM demo_st WHERE cc_role
UNION ALL
SELECT sid, cw_pid, 'care_worker', cw_start, s_date, NULL FROM demo_st WHERE cw_role
UNION ALL
SELECT s.sid, s.ext1_pid, 'external', s.ext1_start,
    CASE
        -- some external trajectories were completed
        WHEN NOT s.many AND demo_u(s.i, 'e1end') < 0.2
            AND s.ext1_start + demo_between(s.i, 'e1len', 30, 200) < s.end_ref
            THEN s.ext1_start + demo_between(s.i, 'e1len', 30, 200)
        ELSE s.s_date
    END,
    sv.note
FROM demo_st s JOIN demo_service sv ON sv.sv = s.svc1
WHERE s.care = 2 OR s.many
UNION ALL
SELECT s.sid, s.ext2_pid, 'external', least(s.end_ref, s.ext1_start + demo_n(s.i, 'e2start', 91)),
    s.s_date, sv.note
FROM demo_st s JOIN demo_service sv ON sv.sv = s.svc2
WHERE s.has_ext2
UNION ALL
SELECT sid,
    peer_pid,
    'peer_coach',
    CASE WHEN many THEN enrol ELSE bpv_start END,
    CASE WHEN many THEN s_date ELSE first_last END,
    'Peercoach (student niveau 3)'
FROM demo_st WHERE has_peer
UNION ALL
SELECT 'S' || pl.num, pl.sup_pid, 'workplace_supervisor', pl.start_d, pl.last_d, NULL
FROM demo_pl pl WHERE pl.sup_mode = 'ok'
UNION ALL
-- parents of minors, until the student turns 18 or leaves
SELECT s.sid, p.pid, 'parent', s.enrol,
    CASE
        WHEN (s.birth + INTERVAL 18 YEAR)::DATE <= s.t
            THEN least((s.birth + INTERVAL 18 YEAR)::DATE, coalesce(s.s_date, s.t))
        ELSE s.s_date
    END,
    p.note
FROM demo_p p JOIN demo_st s ON p.grp = 'parent' AND s.i = p.a;
