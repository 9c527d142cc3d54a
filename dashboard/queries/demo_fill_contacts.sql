-- name: demo_fill_contacts
-- Writes contacts from the plan (demo_plan.sql).
-- Contact ids: C<num>-<slot>; slots 001..012 are
-- the fixed moments (3 per placement), 013..016 the stop calls, 017 the follow-up of an
-- absence streak, 020 and up the incidental contacts. No contact is dated after today, after
-- the student left (except stop calls) or on or after a planted silence (quiet_from).

-- Fixed moments: start, mid and final of each placement, mostly a driegesprek on time.
INSERT INTO contacts
WITH three AS (
    SELECT pl.*, s.sid, s.t, s.s_date, s.quiet_from, s.mentor_mode, s.change_d, s.gone_d,
        s.mentor_pid, s.prev_pid, s.bpv_role_pid, s.kaw_pid, s.freq_stopped,
        -- the location that gets better: before its turn (150 days ago) start moments were
        -- often skipped or held late (demo_plan.sql, demo_improves)
        s.l = 0 AND pl.start_d < s.t - 150 AS before_turn,
        unnest([1, 2, 3]) AS mk
    FROM demo_pl pl
    JOIN demo_st s USING (i)
),
moments AS (
    SELECT *,
        ['start', 'mid', 'final'][mk] AS kind, pk * 10 + mk AS ck,
        CASE mk
            WHEN 1 THEN start_d + CASE WHEN before_turn
                THEN demo_between(pk * 10 + mk, 'fd', 0, 30)
                ELSE demo_between(pk * 10 + mk, 'fd', -5, 10) END
            WHEN 2 THEN mid_d + demo_between(pk * 10 + mk, 'fd', -10, 12)
            ELSE end_d + demo_between(pk * 10 + mk, 'fd', -14, 3)
        END AS d
    FROM three
    -- planted: some moments were never held
    WHERE demo_u(pk * 10 + mk, 'fmiss') >= CASE WHEN before_turn AND mk = 1 THEN 0.25
        ELSE [0.06, 0.08, 0.07][mk] END
),
held AS (
    SELECT *,
        demo_u(ck, 'inc') AS u_inc,
        CASE
            WHEN bpv_role_pid IS NOT NULL AND (freq_stopped OR demo_u(ck, 'fguide') < 0.6) THEN bpv_role_pid
            ELSE coalesce(demo_mentor_at(mentor_mode, d, change_d, gone_d, mentor_pid, prev_pid),
                bpv_role_pid, kaw_pid)
        END AS guide
    FROM moments
    WHERE d <= t AND (s_date IS NULL OR d <= s_date) AND (quiet_from IS NULL OR d < quiet_from)
        AND (kind = 'final' OR d <= last_d)
        AND (kind = 'start' OR early_on IS NULL OR (kind = 'mid' AND d < early_on))
),
parties AS (
    SELECT *,
        -- planted: a party missing (student absent, no supervisor, no school guide)
        list_filter([
            CASE WHEN u_inc < 0.035 OR u_inc >= 0.045 THEN guide END,
            CASE WHEN u_inc < 0.02 OR u_inc >= 0.035 THEN sup_pid END
        ], x -> x IS NOT NULL) AS participants
    FROM held
)
SELECT
    'C' || num || '-' || lpad((p * 3 + mk)::VARCHAR, 3, '0'),
    sid,
    plid,
    d,
    kind,
    CASE
        WHEN NOT list_contains(participants, sup_pid) OR sup_pid IS NULL THEN 'phone'
        WHEN demo_u(ck, 'fch') < CASE kind WHEN 'start' THEN 0.5 ELSE 0.7 END THEN 'workplace_visit'
        WHEN demo_u(ck, 'fch') < 0.93 THEN 'in_person'
        ELSE 'video'
    END,
    participants,
    u_inc >= 0.02,
    CASE WHEN demo_u(ck, 'finit') < 0.15 AND sup_pid IS NOT NULL THEN sup_pid ELSE participants[1] END,
    NULL,
    sm.text,
    'guides'
FROM parties
JOIN demo_pool sm ON sm.pool = 'sum_' || kind AND sm.k = demo_n(ck, 'fsum', 4)
WHERE len(participants) > 0;

-- Stop calls: the school tells the workplace that a placement stops (mostly within 5 days).
INSERT INTO contacts
WITH stops AS (
    SELECT pl.*, s.sid, s.t, s.quiet_from, s.mentor_mode, s.change_d, s.gone_d, s.mentor_pid,
        s.prev_pid, s.bpv_role_pid, s.kaw_pid,
        CASE
            WHEN demo_u(pl.pk, 'stopc') < 0.6 THEN pl.stop_d + demo_n(pl.pk, 'stopd', 5)
            -- planted: told too late, or never
            WHEN demo_u(pl.pk, 'stopc') < 0.8 THEN pl.stop_d + demo_between(pl.pk, 'stopd', 6, 20)
        END AS d,
        coalesce(demo_mentor_at(s.mentor_mode, pl.stop_d, s.change_d, s.gone_d, s.mentor_pid, s.prev_pid),
            s.bpv_role_pid, s.kaw_pid, s.prev_pid) AS guide
    FROM demo_pl pl JOIN demo_st s USING (i)
    WHERE pl.stop_d IS NOT NULL
)
SELECT
    'C' || num || '-' || lpad((13 + p)::VARCHAR, 3, '0'),
    sid,
    plid,
    d,
    'incidental',
    CASE WHEN demo_u(pk, 'stopch') < 0.7 THEN 'phone'
        WHEN demo_u(pk, 'stopch') < 0.85 THEN 'email' ELSE 'in_person' END,
    list_filter([guide, sup_pid], x -> x IS NOT NULL),
    false,
    CASE WHEN NOT stop_by_leaving AND sup_pid IS NOT NULL AND demo_u(pk, 'stopi') < 0.5
        THEN sup_pid ELSE guide END,
    'stop',
    sm.text,
    'guides'
FROM stops
JOIN demo_pool sm ON sm.pool = 'sum_stop' AND sm.k = demo_n(pk, 'stopsum', 4)
WHERE d <= t AND (quiet_from IS NULL OR d < quiet_from);

-- The follow-up call after an unexcused absence streak.
INSERT INTO contacts
WITH fu AS (
    SELECT s.*, s.streak_first + demo_n(s.i, 'fud', 3) AS d FROM demo_st s
    WHERE s.streak AND NOT s.nofu_pick
),
guided AS (
    SELECT *,
        coalesce(demo_mentor_at(mentor_mode, d, change_d, gone_d, mentor_pid, prev_pid),
            bpv_role_pid, kaw_pid) AS guide
    FROM fu
    WHERE d <= t AND (quiet_from IS NULL OR d < quiet_from)
)
SELECT
    'C' || num || '-017',
    sid,
    NULL,
    d,
    'incidental',
    'phone',
    [guide],
    demo_u(i, 'fupres') < 0.7,
    guide,
    'absence',
    sm.text,
    'guides'
FROM guided
JOIN demo_pool sm ON sm.pool = 'sum_absfu' AND sm.k = demo_n(i, 'fusum', 4)
WHERE guide IS NOT NULL;

-- Incidental contacts, spread evenly (with jitter) between enrolment and today at a
-- per-student rhythm: more often for students with more care, and at least as often as a
-- contact_frequency agreement asks. The school has logged them for 18 months.
INSERT INTO contacts
WITH rhythm AS (
    SELECT *,
        greatest(enrol + demo_between(i, 'ia', 1, 10), end_ref - 540) AS ia,
        least(end_ref, coalesce(quiet_from - 1, end_ref)) AS ib,
        CASE care
            -- at most 27 days: a regular rhythm never leaves 28 days without contact
            WHEN 0 THEN demo_between(i, 'step', 19, 27)
            WHEN 1 THEN demo_between(i, 'step', 13, 23)
            ELSE demo_between(i, 'step', 8, 16)
        END AS step0
    FROM demo_st
),
counted AS (
    SELECT *,
        CASE WHEN has_freq THEN least(step0, freq_d // 2) ELSE step0 END AS step
    FROM rhythm
    WHERE ib >= ia
),
numbered AS (
    SELECT *, 1 + (ib - ia) // step AS m, unnest(range(1 + (ib - ia) // step)) AS j FROM counted
),
dated AS (
    SELECT *, num * 1000 + 20 + j AS ck,
        ia + floor((ib - ia) * (j + demo_u(num * 1000 + 20 + j, 'cd')) / m)::INTEGER AS d
    FROM numbered
),
placed AS (
    SELECT c.*, pl.plid, pl.sup_pid, pl.p AS pl_p,
        demo_mentor_at(c.mentor_mode, c.d, c.change_d, c.gone_d, c.mentor_pid, c.prev_pid) AS m_at,
        c.bpv_role_pid IS NOT NULL AND c.d >= c.bpv_start AS bpv_on,
        c.cw_role AND c.d >= c.cw_start AS cw_on,
        c.cc_role AND c.d >= c.cc_start AS cc_on,
        demo_u(c.ck, 'ch') AS u_ch,
        demo_u(c.ck, 'own') AS u_own,
        demo_u(c.ck, 'rs') AS u_rs
    FROM dated c
    LEFT JOIN demo_pl pl ON pl.i = c.i AND c.d BETWEEN pl.start_d AND pl.last_d
),
channelled AS (
    SELECT *,
        CASE
            WHEN plid IS NOT NULL THEN CASE
                WHEN u_ch < 0.14 THEN 'workplace_visit'
                WHEN u_ch < 0.17 THEN 'unannounced_visit'
                WHEN u_ch < CASE WHEN care = 2 THEN 0.23 ELSE 0.19 END THEN 'network_meeting'
                WHEN u_ch < 0.41 THEN 'phone'
                WHEN u_ch < 0.61 THEN 'chat'
                WHEN u_ch < 0.67 THEN 'email'
                WHEN u_ch < 0.71 THEN 'video'
                ELSE 'in_person' END
            ELSE CASE
                WHEN care = 2 AND u_ch < 0.04 THEN 'network_meeting'
                WHEN u_ch < 0.29 THEN 'phone'
                WHEN u_ch < 0.51 THEN 'chat'
                WHEN u_ch < 0.59 THEN 'email'
                WHEN u_ch < 0.64 THEN 'video'
                ELSE 'in_person' END
        END AS channel,
        CASE
            -- planted: the holder of the contact_frequency agreement dropped out of sight
            WHEN freq_stopped AND d >= freq_stop_d THEN coalesce(
                CASE WHEN bpv_on THEN bpv_role_pid END, CASE WHEN cw_on THEN cw_pid END,
                CASE WHEN cc_on THEN cc_pid END, kaw_pid, sup_pid)
            WHEN has_freq THEN m_at
            WHEN u_own < 0.12 AND bpv_on AND plid IS NOT NULL THEN bpv_role_pid
            WHEN u_own < 0.22 AND cw_on THEN cw_pid
            WHEN u_own < 0.30 AND cc_on THEN cc_pid
            WHEN u_own < 0.36 AND kaw_pid IS NOT NULL THEN kaw_pid
            ELSE m_at
        END AS owner0
    FROM placed
),
owned AS (
    SELECT *,
        coalesce(owner0, m_at, CASE WHEN bpv_on THEN bpv_role_pid END, kaw_pid,
            CASE WHEN cc_on THEN cc_pid END, CASE WHEN cw_on THEN cw_pid END) AS owner,
        sup_pid IS NOT NULL AND (
            channel IN ('workplace_visit', 'unannounced_visit', 'network_meeting')
            OR (channel = 'chat' AND demo_u(ck, 'supin') < 0.35)
            OR (channel = 'phone' AND demo_u(ck, 'supin') < 0.25)) AS sup_in
    FROM channelled
),
parties AS (
    SELECT *,
        list_filter([
            owner,
            CASE WHEN channel = 'network_meeting' AND cc_on AND cc_pid <> owner THEN cc_pid END,
            CASE WHEN channel = 'network_meeting' AND (care = 2 OR many) AND d >= ext1_start
                THEN ext1_pid END,
            CASE WHEN sup_in AND sup_pid <> owner THEN sup_pid END,
            -- the WhatsApp group of the first placement has the peer coach in it
            CASE WHEN channel = 'chat' AND has_peer AND pl_p = 0 AND demo_u(ck, 'peerin') < 0.5
                THEN peer_pid END
        ], x -> x IS NOT NULL) AS participants,
        sup_in OR owner = sup_pid AS sup_listed,
        CASE
            WHEN owner IN (cc_pid, cw_pid) AND u_rs < 0.35 THEN 'care'
            WHEN owner IN (cc_pid, cw_pid) AND u_rs < 0.6 THEN 'personal'
            WHEN owner IN (cc_pid, cw_pid) AND u_rs < 0.75 THEN 'absence'
            WHEN owner IN (cc_pid, cw_pid) THEN 'progress'
            WHEN channel IN ('workplace_visit', 'unannounced_visit') THEN CASE
                WHEN u_rs < 0.6 THEN 'progress'
                WHEN u_rs < 0.72 THEN 'question'
                WHEN u_rs < 0.84 THEN 'behaviour'
                WHEN u_rs < 0.92 THEN 'absence'
                ELSE 'other' END
            WHEN u_rs < 0.30 THEN 'progress'
            WHEN u_rs < 0.48 THEN 'question'
            WHEN u_rs < 0.60 THEN 'absence'
            WHEN u_rs < 0.70 THEN 'personal'
            WHEN u_rs < 0.76 THEN 'care'
            WHEN u_rs < 0.84 THEN 'behaviour'
            ELSE 'other'
        END AS reason
    FROM owned
)
SELECT
    'C' || num || '-' || lpad((20 + j)::VARCHAR, 3, '0'),
    sid,
    CASE WHEN sup_listed THEN plid END,
    d,
    'incidental',
    channel,
    participants,
    demo_u(ck, 'pres') < CASE channel
        WHEN 'in_person' THEN 0.98 WHEN 'video' THEN 0.9 WHEN 'workplace_visit' THEN 0.92
        WHEN 'unannounced_visit' THEN 0.85 WHEN 'network_meeting' THEN 0.75 WHEN 'chat' THEN 0.85
        WHEN 'phone' THEN 0.7 ELSE 0.4 END,
    CASE
        WHEN demo_u(ck, 'init') < 0.2 THEN 'student'
        WHEN demo_u(ck, 'init') < 0.3 AND sup_listed THEN sup_pid
        ELSE participants[1]
    END,
    reason,
    CASE
        WHEN demo_u(ck, 'nosum') < 0.05 THEN NULL
        WHEN channel = 'chat' THEN 'Via WhatsApp: ' || lower(sm.text[1]) || sm.text[2:]
        WHEN channel = 'unannounced_visit' THEN 'Onaangekondigd bezoek: ' || lower(sm.text[1]) || sm.text[2:]
        ELSE sm.text
    END,
    CASE
        WHEN sup_listed THEN 'guides'
        WHEN reason IN ('care', 'personal') THEN CASE
            WHEN demo_u(ck, 'vis') < 0.5 THEN 'care'
            WHEN demo_u(ck, 'vis') < 0.8 THEN 'school'
            ELSE 'guides' END
        WHEN demo_u(ck, 'vis') < 0.9 THEN 'guides'
        WHEN demo_u(ck, 'vis') < 0.97 THEN 'school'
        ELSE 'care'
    END
FROM parties
JOIN demo_pool sm ON sm.pool = 'sum_' || reason AND sm.k = demo_n(ck, 'sum', 4)
WHERE len(participants) > 0;
