-- name: demo_fill_agreements
-- Writes agreements, consents and absences from the plan (demo_plan.sql).
-- Agreement ids: A<num>-<slot>; student-level topics take odd slots 01..13 (the even slot after
-- each is the renewal after a mentor change), placement-level information 21..24, pedagogy 31..34.

INSERT INTO agreements
WITH topics AS (
    SELECT * FROM (VALUES
        (1, 'direction'), (3, 'final_responsibility'), (5, 'task_division'),
        (7, 'contact_frequency'), (9, 'information'), (11, 'pedagogy'), (13, 'expertise')
    ) v(slot, topic)
),
made AS (
    SELECT s.*, tp.slot, tp.topic, s.i * 100 + tp.slot AS ak,
        CASE WHEN tp.topic = 'expertise'
            -- the referral is agreed when the external comes in
            THEN least(s.end_ref, s.ext1_start + demo_n(s.i * 100 + tp.slot, 'agreed', 15))
            -- the location that gets better arranged direction for half of its students only
            -- after its turn (150 days ago), often weeks later
            WHEN tp.topic = 'direction' AND s.l = 0 AND s.enrol < s.t - 150
                AND demo_u(s.i, 'latedir') < 0.5
                THEN greatest(s.enrol + demo_between(s.i * 100 + tp.slot, 'agreed', 5, 40),
                    s.t - 150 + demo_n(s.i * 100 + tp.slot, 'latedird', 90))
            ELSE s.enrol + demo_between(s.i * 100 + tp.slot, 'agreed', 5, 40)
        END AS a1
    FROM demo_st s, topics tp
    WHERE CASE tp.topic
        WHEN 'direction' THEN NOT s.miss_direction
        WHEN 'final_responsibility' THEN NOT s.miss_fr
        WHEN 'task_division' THEN demo_u(s.i, 'task') < 0.7
        WHEN 'contact_frequency' THEN s.has_freq
        WHEN 'information' THEN s.info_student
        WHEN 'pedagogy' THEN s.ped_student
        ELSE s.care = 2 OR s.many
    END
),
held AS (
    SELECT *,
        CASE
            WHEN topic = 'expertise'
                THEN coalesce(CASE WHEN cc_role THEN cc_pid END, kaw_pid,
                    demo_mentor_at(mentor_mode, a1, change_d, gone_d, mentor_pid, prev_pid), prev_pid)
            -- for students with heavy care the care lead often holds direction
            WHEN topic IN ('direction', 'final_responsibility') AND cc_role AND care = 2 AND holder_u < 0.3
                THEN cc_pid
            WHEN topic IN ('direction', 'final_responsibility') AND kaw_pid IS NOT NULL AND holder_u > 0.9
                THEN kaw_pid
            ELSE coalesce(demo_mentor_at(mentor_mode, a1, change_d, gone_d, mentor_pid, prev_pid), prev_pid)
        END AS holder
    FROM made
    WHERE a1 <= end_ref
),
versioned AS (
    SELECT *,
        -- the mentor changed after the agreement: it is handed over (except planted cases)
        mentor_mode = 'change' AND a1 <= change_d AND holder = prev_pid
            AND NOT (topic = 'direction' AND holder_gone) AS renewed,
        change_d + demo_between(ak, 'renew', 1, 14) AS a2
    FROM held
),
rows AS (
    SELECT *,
        ak AS rk, slot AS rslot, holder AS rholder, a1 AS agreed_on,
        CASE WHEN renewed THEN change_d ELSE s_date END AS ended_on,
        NOT renewed OR a2 > end_ref AS in_force
    FROM versioned
    UNION ALL
    SELECT *, ak + 1, slot + 1, mentor_pid, a2, s_date, true
    FROM versioned
    WHERE renewed AND a2 <= end_ref
)
SELECT
    'A' || num || '-' || lpad(rslot::VARCHAR, 2, '0'),
    sid,
    NULL,
    topic,
    rholder,
    nullif(list_filter(CASE topic
        WHEN 'expertise' THEN [ext1_pid, ext2_pid]
        WHEN 'contact_frequency' THEN []
        ELSE [bpv_role_pid, kaw_pid, CASE WHEN cc_role THEN cc_pid END, CASE WHEN cw_role THEN cw_pid END]
    END, x -> x IS NOT NULL AND x <> rholder), []),
    dt.text,
    CASE WHEN topic = 'contact_frequency' THEN freq_d END,
    demo_u(rk, 'disc') >= CASE WHEN topic = 'direction' THEN 0.08 ELSE 0.12 END,
    agreed_on,
    CASE
        WHEN NOT in_force OR status <> 'active' THEN NULL
        -- planted: the planned review has passed
        WHEN demo_u(rk, 'rev') < 0.02 AND t - agreed_on >= 2
            THEN agreed_on + 1 + demo_n(rk, 'revd', t - agreed_on - 1)
        WHEN demo_u(rk, 'rev') < 0.45 THEN t + demo_between(rk, 'revd', 7, 150)
    END,
    ended_on
FROM rows
JOIN demo_pool dt ON dt.pool = 'det_' || topic AND dt.k = demo_n(rk, 'det', 4);

-- Per placement: information and pedagogy, made around the start conversation.
INSERT INTO agreements
WITH pt AS (
    SELECT pl.*, s.sid, s.t, s.status, s.mentor_mode, s.change_d, s.gone_d, s.mentor_pid, s.prev_pid,
        s.bpv_role_pid, tp.topic, tp.base + pl.p + 1 AS slot,
        pl.pk * 100 + tp.base + pl.p + 1 AS ak,
        pl.start_d - demo_n(pl.pk * 100 + tp.base, 'pagreed', 11) AS agreed_on
    FROM demo_pl pl
    JOIN demo_st s USING (i)
    JOIN (VALUES ('information', 20), ('pedagogy', 30)) tp(topic, base)
        ON (tp.topic = 'information' AND NOT s.info_student)
        OR (tp.topic = 'pedagogy' AND NOT s.ped_student)
    -- planted: no agreement for this placement
    WHERE demo_u(pl.pk * 100 + tp.base, 'pmissing') >= 0.06
),
held AS (
    SELECT *,
        CASE WHEN bpv_role_pid IS NOT NULL AND demo_u(ak, 'pholder') < 0.5 THEN bpv_role_pid
            ELSE coalesce(demo_mentor_at(mentor_mode, agreed_on, change_d, gone_d, mentor_pid, prev_pid),
                prev_pid)
        END AS holder
    FROM pt
)
SELECT
    'A' || num || '-' || lpad(slot::VARCHAR, 2, '0'),
    sid,
    plid,
    topic,
    holder,
    nullif(list_filter([sup_pid, CASE WHEN holder <> mentor_pid THEN mentor_pid END],
        x -> x IS NOT NULL AND x <> holder), []),
    dt.text,
    NULL,
    demo_u(ak, 'disc') >= 0.12,
    agreed_on,
    CASE
        WHEN status = 'active' AND last_d >= t AND demo_u(ak, 'rev') < 0.03 AND t - agreed_on >= 2
            THEN agreed_on + 1 + demo_n(ak, 'revd', t - agreed_on - 1)
    END,
    CASE WHEN last_d < t THEN last_d END
FROM held
JOIN demo_pool dt ON dt.pool = 'det_' || topic AND dt.k = demo_n(ak, 'det', 4);

INSERT INTO consents
WITH wp AS (
    SELECT s.*,
        CASE WHEN npl > 0 THEN first_start - demo_n(i, 'cwd', 15)
            ELSE enrol + demo_n(i, 'cwd', 31) END AS d1,
        demo_u(i, 'cyes') < 0.72 AS yes1
    FROM demo_st s
    -- planted: no record; students without a placement yet often have none either
    WHERE demo_u(i, 'cnone') >= 0.06 AND (npl > 0 OR demo_u(i, 'cnopl') < 0.4)
),
wp2 AS (
    SELECT *, d1 + demo_between(i, 'cwd2', 20, 200) AS d2 FROM wp
),
recs AS (
    SELECT 'workplace' AS audience, d1 AS d, yes1 AS shares,
        i, sid, end_ref, cc_role, cc_pid, mentor_mode, change_d, gone_d, mentor_pid, prev_pid
    FROM wp2 WHERE d1 <= end_ref
    UNION ALL
    -- some students changed their mind later
    SELECT 'workplace', d2, NOT yes1,
        i, sid, end_ref, cc_role, cc_pid, mentor_mode, change_d, gone_d, mentor_pid, prev_pid
    FROM wp2 WHERE d1 <= end_ref AND d2 <= end_ref AND demo_u(i, 'cchange') < 0.06
    UNION ALL
    SELECT 'external', least(end_ref, cc_start + demo_n(i, 'ced', 15)), demo_u(i, 'ceyes') < 0.85,
        i, sid, end_ref, cc_role, cc_pid, mentor_mode, change_d, gone_d, mentor_pid, prev_pid
    FROM demo_st WHERE care = 2 OR many
    UNION ALL
    SELECT 'parents', least(end_ref, enrol + demo_n(i, 'cpd', 21)), demo_u(i, 'cpyes') < 0.8,
        i, sid, end_ref, cc_role, cc_pid, mentor_mode, change_d, gone_d, mentor_pid, prev_pid
    FROM demo_st
    WHERE (birth + INTERVAL 18 YEAR)::DATE > enrol AND demo_u(i, 'cpar') < 0.5
)
SELECT r.sid, r.audience, r.d, r.shares,
    coalesce(
        CASE WHEN r.audience = 'external' AND r.cc_role THEN r.cc_pid END,
        demo_mentor_at(r.mentor_mode, r.d, r.change_d, r.gone_d, r.mentor_pid, r.prev_pid),
        r.prev_pid),
    nt.text
FROM recs r
JOIN demo_pool nt ON nt.pool = 'cons_' || r.audience || CASE WHEN r.shares THEN '_yes' ELSE '_no' END
    AND nt.k = demo_n(r.i * 10 + length(r.audience), 'cnote', 4);

-- Absences in the last 180 days: mostly a few excused days; some students have an
-- unexcused streak (planted for the follow-up signal).
INSERT INTO absences
WITH base AS (
    SELECT i, sid, t, greatest(enrol, t - 180) AS lo, end_ref AS hi,
        streak AND nofu_pick AS nofu, streak, streak_first,
        CASE
            WHEN demo_u(i, 'absr') < 0.7 THEN demo_n(i, 'absn', 4)
            WHEN demo_u(i, 'absr') < 0.95 THEN demo_between(i, 'absn', 3, 10)
            ELSE demo_between(i, 'absn', 10, 25)
        END AS per_180
    FROM demo_st
    WHERE end_ref >= greatest(enrol, t - 180)
),
picked AS (
    SELECT *, unnest(range((per_180 * (hi - lo + 1)) // 181)) AS j FROM base
),
dated AS (
    SELECT *, lo + demo_n(i * 100 + j, 'absd', hi - lo + 1) AS d0 FROM picked
),
scattered AS (
    SELECT sid,
        d0 - CASE isodow(d0) WHEN 6 THEN 1 WHEN 7 THEN 2 ELSE 0 END AS d,
        [2, 3, 4, 4, 6, 8][demo_n(i * 100 + j, 'absh', 6) + 1]::DOUBLE AS hours,
        -- the students without follow-up have only excused absences besides the streak
        demo_u(i * 100 + j, 'absx') < 0.85 OR (nofu AND d0 > t - 29) AS excused,
        lo
    FROM dated
),
streaks AS (
    SELECT sid, streak_first + q::INTEGER AS d, demo_between(i * 10 + q, 'sth', 4, 7)::DOUBLE AS hours, false AS excused,
        row_number() OVER (PARTITION BY i ORDER BY q) AS nth, t
    FROM base, range(7) r(q)
    WHERE streak AND isodow(streak_first + q::INTEGER) <= 5 AND streak_first + q::INTEGER <= t
)
SELECT sid, d, max(hours), bool_and(excused)
FROM (
    SELECT sid, d, hours, excused FROM scattered WHERE d >= lo
    UNION ALL
    SELECT sid, d, hours, excused FROM streaks WHERE nth <= 3
)
GROUP BY sid, d;
