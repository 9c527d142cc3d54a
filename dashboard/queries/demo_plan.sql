-- name: demo_plan
-- Plans the demo school in temporary tables and views, for the demo_fill_* files to write.
-- Locations, programmes, the students with every random choice about them, the people around
-- them and the placements; the demo_fill_* files turn the plan into rows. Only demo_p
-- (people), demo_pl (placements) and demo_st (students) are materialised: inside the school's
-- write transaction even dropped temporary tables keep their memory, and the cheap student
-- steps are views. Variables (set by dashboard/demo): demo_seed, demo_today, demo_n (students)
-- and the pool sizes demo_nfirst, demo_nlast, demo_ncompany, demo_nstreet; the random sources
-- (demo_u, demo_n, ...) come from demo_macros.

-- Schools grow: more students, more locations (3 for the default demo, at most 10).
CREATE OR REPLACE TEMP TABLE demo_loc AS
SELECT * FROM (VALUES
    (0, 'Rotterdam Zuid', 'RZ', 'Rotterdam'),
    (1, 'Rotterdam Centrum', 'RC', 'Rotterdam'),
    (2, 'Schiedam', 'SD', 'Schiedam'),
    (3, 'Rotterdam Noord', 'RN', 'Rotterdam'),
    (4, 'Vlaardingen', 'VL', 'Vlaardingen'),
    (5, 'Spijkenisse', 'SP', 'Nissewaard'),
    (6, 'Capelle aan den IJssel', 'CA', 'Capelle aan den IJssel'),
    (7, 'Rotterdam Alexander', 'RA', 'Rotterdam'),
    (8, 'Ridderkerk', 'RK', 'Ridderkerk'),
    (9, 'Barendrecht', 'BR', 'Barendrecht')
) v(l, name, code, city)
WHERE l < least(10, greatest(3, ceil(getvariable('demo_n') / 4000)));

CREATE OR REPLACE TEMP TABLE demo_prog AS
SELECT * FROM (VALUES
    (0, 'Entree Dienstverlening', 'EDV', 'dienst', 365),
    (1, 'Entree Logistiek', 'ELO', 'logistiek', 365),
    (2, 'Entree Horeca', 'EHO', 'horeca', 365),
    (3, 'Niveau 2 Logistiek', 'LOG', 'logistiek', 730),
    (4, 'Niveau 2 Zorg en Welzijn', 'ZW', 'zorg', 730),
    (5, 'Niveau 2 Retail', 'RET', 'retail', 730),
    (6, 'Niveau 2 Horeca', 'HOR', 'horeca', 730),
    (7, 'Niveau 2 Techniek', 'TEC', 'techniek', 730)
) v(g, name, code, sector, dur);

-- External services (roles.note) with their organisation and its kind.
CREATE OR REPLACE TEMP TABLE demo_service AS
SELECT * FROM (VALUES
    (0, 'Leerplicht', 'Leerplicht ', 'external'),
    (1, 'Jeugdzorg', 'Jeugdhulp Rijnmond', 'care'),
    (2, 'Jeugdreclassering', 'Jeugdreclassering Rijnmond', 'external'),
    (3, 'GGD', 'GGD Rijnmond', 'external'),
    (4, 'Veilig Thuis', 'Veilig Thuis Rijnmond', 'external'),
    (5, 'Wijkteam', 'Wijkteam ', 'external'),
    (6, 'Schuldhulpverlening', 'Schuldhulp ', 'external'),
    (7, 'Jobcoach', 'Jobcoaching ', 'care')
) v(sv, note, org, org_kind);

-- Which location offers which programme (Entree Dienstverlening and Zorg en Welzijn everywhere).
CREATE OR REPLACE TEMP TABLE demo_offer AS
SELECT (row_number() OVER (ORDER BY l.l, p.g) - 1)::INTEGER AS o, l.l, p.g
FROM demo_loc l, demo_prog p
WHERE p.g IN (0, 4) OR (l.l + p.g) % 3 = 0;

SET VARIABLE demo_noffer = (SELECT count(*) FROM demo_offer);

-- Students, first pass: who they are and when they came and left.
CREATE OR REPLACE TEMP VIEW demo_s0 AS
WITH base AS (
    SELECT
        i::BIGINT AS i,
        (100000 + i)::BIGINT AS num,
        demo_n(i, 'offer', getvariable('demo_noffer')) AS o,
        demo_u(i, 'status') AS rs,
        getvariable('demo_today_d') AS t
    FROM range(1, getvariable('demo_n') + 1) r(i)
),
status AS (
    SELECT b.*, f.l, f.g, p.dur,
        CASE
            WHEN rs < 0.78 THEN 'active'
            WHEN rs < 0.85 THEN 'graduated'
            WHEN rs < 0.89 THEN 'progressed'
            WHEN rs < 0.92 THEN 'employed'
            WHEN rs < 0.945 THEN 'transferred'
            ELSE 'dropped_out'
        END AS status
    FROM base b JOIN demo_offer f USING (o) JOIN demo_prog p USING (g)
),
dated AS (
    SELECT *,
        CASE
            WHEN status = 'active' THEN NULL
            WHEN status IN ('dropped_out', 'transferred')
                -- leaving without a diploma happens all year; recent ones weigh more
                THEN t - 1 - floor(300 * pow(demo_u(i, 'sdate'), 2))::INTEGER
            ELSE t - 1 - demo_n(i, 'sdate', 365)
        END AS s_date
    FROM status
),
enrolled AS (
    SELECT *,
        CASE status
            WHEN 'active' THEN t - (7 + floor((dur - 30) * demo_u(i, 'enrol'))::INTEGER)
            WHEN 'graduated' THEN s_date - (dur + demo_between(i, 'len', -20, 40))
            WHEN 'progressed' THEN s_date - (dur - demo_n(i, 'len', 90))
            WHEN 'employed' THEN s_date - floor(dur * (0.5 + 0.5 * demo_u(i, 'len')))::INTEGER
            WHEN 'transferred' THEN s_date - (20 + floor(dur * (0.1 + 0.6 * demo_u(i, 'len')))::INTEGER)
            ELSE s_date - (20 + floor(dur * (0.05 + 0.7 * demo_u(i, 'len')))::INTEGER)
        END AS enrol
    FROM dated
)
SELECT
    i, num, 'S' || num AS sid, o, l, g, dur, status, s_date, enrol, t,
    least(t, coalesce(s_date, t)) AS end_ref,
    -- age at enrolment: most are 16-18, some older
    enrol - floor(365.25 * (15.9 + CASE
        WHEN demo_u(i, 'age') < 0.55 THEN 2.0 * demo_u(i, 'age2')
        WHEN demo_u(i, 'age') < 0.88 THEN 2.0 + 3.0 * demo_u(i, 'age2')
        ELSE 5.0 + 8.0 * demo_u(i, 'age2')
    END))::INTEGER AS birth,
    demo_n(i, 'first', getvariable('demo_nfirst')) AS first_k,
    demo_n(i, 'last', getvariable('demo_nlast')) AS last_k
FROM enrolled;

-- Mentor groups: one mentor per ~22 students of an offer; a mentor's students form the class.
CREATE OR REPLACE TEMP TABLE demo_oc AS
SELECT f.o, f.l, f.g, count(s.i) AS cnt,
    greatest(1, round(count(s.i) / 22))::INTEGER AS nment,
    greatest(4, ceil(count(s.i) / 3))::INTEGER AS ncomp
FROM demo_offer f LEFT JOIN demo_s0 s USING (o)
GROUP BY f.o, f.l, f.g;

CREATE OR REPLACE TEMP TABLE demo_lc AS
SELECT l.l, l.city, count(s.i) AS cnt,
    greatest(1 + l.l % 2, ceil(count(s.i) / 600))::INTEGER AS ncc,
    greatest(2, ceil(count(s.i) / 50))::INTEGER AS ncw,
    greatest(1, ceil(count(s.i) / 80))::INTEGER AS nbpv,
    greatest(2, ceil(count(s.i) / 120))::INTEGER AS npeer,
    greatest(1, ceil(count(s.i) / 400))::INTEGER AS next,
    greatest(1, ceil(count(s.i) / 90))::INTEGER AS nspare
FROM demo_loc l LEFT JOIN demo_s0 s USING (l)
GROUP BY l.l, l.city;

-- Students, second pass: every plan choice (care level, planted gaps, ...).
CREATE OR REPLACE TEMP VIEW demo_s1 AS
WITH x AS (
    SELECT s.*, oc.nment, lc.ncc, lc.ncw, lc.nbpv, lc.npeer, lc.next, lc.nspare,
        demo_n(i, 'letter', oc.nment) AS letter,
        CASE WHEN demo_u(i, 'care') < 0.62 THEN 0 WHEN demo_u(i, 'care') < 0.84 THEN 1 ELSE 2 END AS care,
        status = 'active' AND demo_u(i, 'many') < 0.015 AS many,
        end_ref - enrol AS span
    FROM demo_s0 s JOIN demo_oc oc USING (o, l, g) JOIN demo_lc lc USING (l)
),
y AS (
    SELECT *,
        demo_u(o * 100 + letter, 'kaw') < 0.35 AS has_kaw,
        many OR demo_u(i, 'bpv') < 0.45 AS has_bpv,
        CASE
            WHEN status = 'active' AND enrol <= t - 60 AND demo_u(i, 'mentor') < 0.03 THEN 'gone'
            WHEN span >= 60 AND demo_u(i, 'mentor') < 0.12 THEN 'change'
            ELSE 'same'
        END AS mentor_mode,
        -- an external involved without the school's care lead (planted)
        care = 2 AND NOT many AND demo_u(i, 'nolead') < 0.3 AS no_care_lead
    FROM x
),
z AS (
    SELECT *,
        CASE WHEN mentor_mode = 'change'
            THEN enrol + 20 + floor((span - 40) * demo_u(i, 'change'))::INTEGER END AS change_d,
        CASE WHEN mentor_mode = 'gone' THEN t - 1 - demo_n(i, 'gone', 45) END AS gone_d,
        many OR (NOT no_care_lead AND (care = 2 OR (care = 1 AND demo_u(i, 'ccrole') < 0.5))) AS cc_role,
        enrol + demo_n(i, 'ccstart', least(120, span) + 1) AS cc_start,
        many OR care = 2 OR (care = 1 AND demo_u(i, 'ccrole') >= 0.5) AS cw_any,
        demo_n(i, 'svc', 12) AS svc_pick
    FROM y
)
SELECT *,
    cw_any AND (many OR care = 1 OR demo_u(i, 'cwrole') < 0.6) AS cw_role,
    least(end_ref, cc_start + demo_n(i, 'cwstart', 31)) AS cw_start,
    -- Leerplicht, Wijkteam, Jeugdzorg and Schuldhulp are the most common
    [0, 0, 1, 1, 5, 5, 6, 6, 2, 3, 4, 7][svc_pick + 1] AS svc1,
    least(end_ref, cc_start + demo_n(i, 'e1start', 61)) AS ext1_start,
    many OR (care = 2 AND demo_u(i, 'ext2') < 0.3) AS has_ext2,
    ([0, 0, 1, 1, 5, 5, 6, 6, 2, 3, 4, 7][svc_pick + 1] + 1 + demo_n(i, 'svc2', 7)) % 8 AS svc2,
    status = 'active' AND demo_u(i, 'quiet') < 0.06 AS quiet,
    status = 'active' AND enrol <= t - 30 AND demo_u(i, 'streak') < 0.08 AS streak,
    demo_u(i, 'nofu') < 0.35 AS nofu_pick,
    -- agreements: planted gaps and choices
    demo_u(i, 'nodir') < 0.15 AS miss_direction,
    demo_u(i, 'fr') < CASE WHEN demo_u(i, 'nodir') < 0.15 THEN 0.6 ELSE 0.04 END AS miss_fr,
    status = 'active' AND mentor_mode = 'change' AND demo_u(i, 'hgone') < 0.35 AS holder_gone,
    status = 'active' AND demo_u(i, 'freq') < 0.35 AS has_freq,
    [14, 21, 21, 28, 28, 28][demo_n(i, 'freqd', 6) + 1] AS freq_d,
    demo_u(i, 'freqstop') < 0.15 AS freq_stop,
    demo_u(i, 'infos') < 0.25 AS info_student,
    demo_u(i, 'peds') < 0.35 AS ped_student,
    demo_u(i, 'holder') AS holder_u
FROM z;

-- Everyone around the students: one row per person, keyed by (grp, a, b, k).
CREATE OR REPLACE TEMP VIEW demo_pdef AS
SELECT 1 AS gr, 'cc' AS grp, l AS a, 0 AS b, unnest(range(ncc)) AS k FROM demo_lc
UNION ALL SELECT 2, 'cw', l, 0, unnest(range(ncw)) FROM demo_lc
UNION ALL SELECT DISTINCT 3, 'mentor', o, letter, 0 FROM demo_s1
UNION ALL SELECT 4, 'mspare', l, 0, unnest(range(nspare)) FROM demo_lc
UNION ALL SELECT 5, 'bpv', l, 0, unnest(range(nbpv)) FROM demo_lc
UNION ALL SELECT DISTINCT 6, 'kaw', o, letter, 0 FROM demo_s1 WHERE has_kaw
UNION ALL SELECT 7, 'peer', l, 0, unnest(range(npeer)) FROM demo_lc
UNION ALL SELECT 8, 'ext', lc.l, sv.sv, unnest(range(lc.next)) FROM demo_lc lc, demo_service sv
UNION ALL SELECT 9, 'sup', o, c, unnest(range(demo_nsup(o, c)))
    FROM (SELECT o, unnest(range(ncomp)) AS c FROM demo_oc)
UNION ALL SELECT 10, 'parent', i, 0, unnest(range(CASE WHEN demo_u(i, 'par2') < 0.45 THEN 2 ELSE 1 END))
    FROM demo_s1
    -- parents are involved for students who were minors when they enrolled
    WHERE birth + INTERVAL 18 YEAR > enrol AND demo_u(i, 'par') < 0.8;

SET VARIABLE demo_pwidth = (SELECT greatest(4, length(count(*)::VARCHAR)) FROM demo_pdef);

-- Companies: a name per (offer, company number) from the sector's templates and the pools.
CREATE OR REPLACE TEMP TABLE demo_company AS
WITH c AS (
    SELECT oc.o, unnest(range(oc.ncomp)) AS c, p.sector
    FROM demo_oc oc JOIN demo_prog p USING (g)
)
SELECT c.o, c.c, c.o * 100000 + c.c AS ckey,
    replace(replace(replace(tpl.text,
        '{last}', ln.text), '{street}', st.text), '{company}', co.text) AS name
FROM c
JOIN demo_pool tpl ON tpl.pool = 'tpl_' || c.sector AND tpl.k = demo_n(c.o * 100000 + c.c, 'ctpl', 4)
JOIN demo_pool ln ON ln.pool = 'last' AND ln.k = demo_n(c.o * 100000 + c.c, 'clast', getvariable('demo_nlast'))
JOIN demo_pool st ON st.pool = 'street' AND st.k = demo_n(c.o * 100000 + c.c, 'cstreet', getvariable('demo_nstreet'))
JOIN demo_pool co ON co.pool = 'company' AND co.k = demo_n(c.o * 100000 + c.c, 'ccomp', getvariable('demo_ncompany'));

CREATE OR REPLACE TEMP TABLE demo_p AS
WITH numbered AS (
    SELECT d.*, row_number() OVER (ORDER BY gr, a, b, k) AS n, demo_pkey(gr, a, b, k) AS pkey,
        CASE WHEN grp = 'parent' THEN CASE
            WHEN k = 0 AND demo_n(a, 'parnote', 10) < 6 THEN 'Moeder'
            WHEN k = 0 AND demo_n(a, 'parnote', 10) < 9 THEN 'Vader'
            WHEN k = 0 THEN 'Verzorger'
            WHEN demo_n(a, 'parnote', 10) < 6 THEN 'Vader'
            ELSE 'Moeder' END
        END AS note
    FROM demo_pdef d
),
named AS (
    SELECT nb.*,
        'P' || lpad(n::VARCHAR, getvariable('demo_pwidth'), '0') AS pid,
        fn.text AS first_name,
        -- most parents share the student's last name
        CASE WHEN grp = 'parent' AND demo_u(n, 'plast') < 0.7 THEN sl.text ELSE ln.text END AS last_name,
        sl.text AS student_last
    FROM numbered nb
    -- the first-name pools have equal sizes; mothers and fathers get fitting names
    JOIN demo_pool fn ON fn.pool = CASE note WHEN 'Moeder' THEN 'first_f' WHEN 'Vader' THEN 'first_m' ELSE 'first' END
        AND fn.k = demo_n(n, 'pfirst', getvariable('demo_nfirst'))
    JOIN demo_pool ln ON ln.pool = 'last' AND ln.k = demo_n(n, 'plast', getvariable('demo_nlast'))
    -- (conditions as equalities on CASE keys: a constant test in a LEFT JOIN makes DuckDB
    -- fall back to a nested loop)
    LEFT JOIN demo_s1 s ON s.i = CASE WHEN grp = 'parent' THEN nb.a END
    LEFT JOIN demo_pool sl ON sl.pool = 'last' AND sl.k = s.last_k
),
org AS (
    SELECT nm.*,
        CASE
            WHEN grp IN ('cc', 'cw', 'mentor', 'mspare', 'bpv', 'kaw', 'peer') THEN 'Maaspoort College'
            WHEN grp = 'ext' THEN CASE
                WHEN sv.sv IN (0, 5, 6) THEN sv.org || lc.city
                WHEN sv.sv = 7 THEN sv.org || nm.last_name
                ELSE sv.org END
            WHEN grp = 'sup' THEN co.name
            ELSE 'Familie ' || upper(nm.student_last[1]) || nm.student_last[2:]
        END AS organisation,
        CASE
            WHEN grp = 'ext' THEN sv.org_kind
            WHEN grp = 'sup' THEN 'workplace'
            WHEN grp = 'parent' THEN 'family'
            ELSE 'school'
        END AS organisation_kind
    FROM named nm
    LEFT JOIN demo_service sv ON sv.sv = CASE WHEN grp = 'ext' THEN nm.b END
    LEFT JOIN demo_lc lc ON lc.l = CASE WHEN grp = 'ext' THEN nm.a END
    LEFT JOIN demo_company co ON co.ckey = CASE WHEN grp = 'sup' THEN nm.a * 100000 + nm.b END
)
SELECT grp, a, b, k, n, pkey, pid, note, first_name, last_name, first_name || ' ' || last_name AS name,
    organisation, organisation_kind,
    CASE
        WHEN grp = 'parent' AND demo_u(n, 'pmail') < 0.5 THEN NULL
        WHEN grp = 'parent' THEN strip_accents(lower(first_name || '.' || replace(last_name, ' ', ''))) || '@mail.example'
        ELSE strip_accents(lower(first_name[1] || '.' || replace(last_name, ' ', ''))) || '@'
            || regexp_replace(strip_accents(lower(organisation)), '[^a-z0-9]+', '', 'g') || '.example'
    END AS email,
    -- 06-00... numbers are not in use, so no real phone is ever dialled from demo data
    '06-00' || lpad(demo_n(n, 'phone', 1000000)::VARCHAR, 6, '0') AS phone
FROM org;

-- Students with the person ids of the people around them.
-- (each lookup reads only its group of people: small hash tables)
CREATE OR REPLACE TEMP VIEW demo_s AS
SELECT s.* EXCLUDE (nment, ncc, ncw, nbpv, npeer, next, nspare, span, cw_any, svc_pick),
    pm.pid AS mentor_pid,
    pp.pid AS prev_pid,
    pk.pid AS kaw_pid,
    pc.pid AS cc_pid,
    pw.pid AS cw_pid,
    pb.pid AS bpv_pid,
    pr.pid AS peer_pid,
    e1.pid AS ext1_pid,
    CASE WHEN s.has_ext2 THEN e2.pid END AS ext2_pid
FROM demo_s1 s
JOIN (SELECT pkey, pid FROM demo_p WHERE grp = 'mentor') pm ON pm.pkey = demo_pkey(3, s.o, s.letter, 0)
JOIN (SELECT pkey, pid FROM demo_p WHERE grp = 'mspare') pp ON pp.pkey = demo_pkey(4, s.l, 0, demo_n(s.i, 'prev', s.nspare))
LEFT JOIN (SELECT pkey, pid FROM demo_p WHERE grp = 'kaw') pk ON pk.pkey = demo_pkey(6, s.o, s.letter, 0)
JOIN (SELECT pkey, pid FROM demo_p WHERE grp = 'cc') pc ON pc.pkey = demo_pkey(1, s.l, 0, demo_n(s.i, 'ccp', s.ncc))
JOIN (SELECT pkey, pid FROM demo_p WHERE grp = 'cw') pw ON pw.pkey = demo_pkey(2, s.l, 0, demo_n(s.i, 'cwp', s.ncw))
JOIN (SELECT pkey, pid FROM demo_p WHERE grp = 'bpv') pb ON pb.pkey = demo_pkey(5, s.l, 0, demo_n(s.i, 'bpvp', s.nbpv))
JOIN (SELECT pkey, pid FROM demo_p WHERE grp = 'peer') pr ON pr.pkey = demo_pkey(7, s.l, 0, demo_n(s.i, 'peerp', s.npeer))
JOIN (SELECT pkey, pid FROM demo_p WHERE grp = 'ext') e1 ON e1.pkey = demo_pkey(8, s.l, s.svc1, demo_n(s.i, 'e1p', s.next))
JOIN (SELECT pkey, pid FROM demo_p WHERE grp = 'ext') e2 ON e2.pkey = demo_pkey(8, s.l, s.svc2, demo_n(s.i, 'e2p', s.next));

-- Placements: up to four BPV periods one after another, the first some weeks after enrolment.
CREATE OR REPLACE TEMP TABLE demo_pl AS
WITH slots AS (
    SELECT s.i, s.num, s.o, s.l, s.t, s.status, s.s_date, s.enrol, r.p, s.i * 10 + r.p AS pk,
        CASE WHEN r.p = 0 THEN demo_between(s.i * 10 + r.p, 'gap', 42, 120)
            ELSE demo_between(s.i * 10 + r.p, 'gap', 7, 60) END AS gap,
        CASE WHEN s.dur = 365 THEN demo_between(s.i * 10 + r.p, 'len', 90, 170)
            ELSE demo_between(s.i * 10 + r.p, 'len', 120, 220) END AS len,
        demo_u(s.i * 10 + r.p, 'early') < 0.08 AS early
    FROM demo_s1 s, range(4) r(p)
),
eff AS (
    SELECT *,
        CASE WHEN early THEN floor(len * (0.15 + 0.7 * demo_u(pk, 'earlyf')))::INTEGER ELSE len END AS elen
    FROM slots
),
timed AS (
    SELECT *,
        enrol + (sum(gap + elen) OVER (PARTITION BY i ORDER BY p ROWS UNBOUNDED PRECEDING) - elen)::INTEGER
            AS start_d
    FROM eff
),
kept AS (
    SELECT *,
        start_d + len AS end_planned,
        CASE WHEN early AND start_d + elen <= t THEN start_d + elen END AS early_planned,
        status IN ('dropped_out', 'transferred') AS left_early,
        status IN ('graduated', 'progressed', 'employed') AS left_done
    FROM timed
    WHERE start_d <= t AND (s_date IS NULL OR start_d <= s_date)
),
ended AS (
    SELECT *,
        -- a placement ends at graduation at the latest
        CASE WHEN left_done AND end_planned > s_date THEN s_date ELSE end_planned END AS end_d
    FROM kept
),
stopped AS (
    SELECT *,
        CASE
            WHEN left_early AND s_date < end_d AND (early_planned IS NULL OR early_planned > s_date)
                THEN s_date
            WHEN early_planned < end_d THEN early_planned
        END AS early_on
    FROM ended
),
supervised AS (
    SELECT st.*,
        demo_n(pk, 'comp', oc.ncomp) AS c,
        CASE WHEN demo_u(pk, 'supmode') < 0.025 THEN 'none'
            WHEN demo_u(pk, 'supmode') < 0.045 THEN 'norole'
            ELSE 'ok' END AS sup_mode
    FROM stopped st JOIN demo_oc oc USING (o)
)
SELECT sp.i, sp.num, sp.p, sp.pk, 'PL' || sp.num || '-' || (sp.p + 1) AS plid,
    co.name AS company,
    CASE WHEN sp.sup_mode <> 'none' THEN ps.pid END AS sup_pid,
    sp.sup_mode,
    sp.start_d, sp.end_d, sp.early_on,
    coalesce(sp.early_on, sp.end_d) AS last_d,
    sp.start_d + ((sp.end_d - sp.start_d) // 2)::INTEGER AS mid_d,
    -- the day the placement stopped (the student left while it ran, or it ended early)
    CASE
        WHEN sp.early_on IS NOT NULL THEN sp.early_on
        WHEN sp.left_early AND sp.s_date <= sp.end_d THEN sp.s_date
    END AS stop_d,
    sp.left_early AND sp.s_date <= sp.end_d AS stop_by_leaving
FROM supervised sp
JOIN demo_company co ON co.ckey = sp.o * 100000 + sp.c
JOIN (SELECT pkey, pid FROM demo_p WHERE grp = 'sup') ps ON ps.pkey = demo_pkey(9, sp.o, sp.c, demo_n(sp.pk, 'supk', demo_nsup(sp.o, sp.c)));

-- Per student: first placement facts, and the day contacts stop (planted silences).
CREATE OR REPLACE TEMP TABLE demo_st AS
WITH firstpl AS (
    SELECT i, min(start_d) AS first_start, arg_min(last_d, p) AS first_last, count(*) AS npl
    FROM demo_pl GROUP BY i
),
x AS (
    SELECT s.*, f.first_start, f.first_last, coalesce(f.npl, 0) AS npl,
        CASE WHEN s.streak THEN s.t - demo_between(s.i, 'streakd', 3, 24) END AS streak_start
    FROM demo_s s LEFT JOIN firstpl f USING (i)
),
y AS (
    SELECT *,
        -- the first unexcused day of a streak is a weekday
        streak_start + CASE isodow(streak_start) WHEN 6 THEN 2 WHEN 7 THEN 1 ELSE 0 END AS streak_first
    FROM x
)
SELECT *,
    CASE
        WHEN streak AND nofu_pick THEN streak_first
        WHEN quiet THEN t - demo_between(i, 'quietd', 29, 90)
    END AS quiet_from,
    has_freq AND freq_stop AND enrol < t - freq_d - 20 AS freq_stopped,
    t - freq_d - demo_between(i, 'freqstopd', 1, 20) AS freq_stop_d,
    -- a BPV coordinator only for students who have (had) a placement
    CASE WHEN has_bpv AND npl > 0 THEN bpv_pid END AS bpv_role_pid,
    greatest(enrol, first_start - 14) AS bpv_start,
    many OR (npl > 0 AND demo_u(i, 'peer') < 0.07) AS has_peer
FROM y;
