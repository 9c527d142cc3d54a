-- name: demo_macros
-- Defines the demo generator's random sources and helpers as temporary macros.
-- Also the day as a DATE variable. Run first in each of the generator's write transactions:
-- each has its own cursor, and temporary macros and variables belong to one (demo_cleanup
-- drops the macros, dashboard/demo resets the variables).
-- Randomness is hash(key, salt, seed): deterministic, and every choice has its own salt so
-- that changing one rule does not reshuffle the others.
SET VARIABLE demo_today_d = getvariable('demo_today')::DATE;

-- A uniform number in [0, 1), an integer in [0, n) and an integer in [lo, hi].
CREATE OR REPLACE TEMP MACRO demo_u(k, salt) AS
    (hash(k::BIGINT, salt, getvariable('demo_seed')::BIGINT) >> 11)::DOUBLE / 9007199254740992.0;
CREATE OR REPLACE TEMP MACRO demo_n(k, salt, n) AS
    (hash(k::BIGINT, salt, getvariable('demo_seed')::BIGINT) % (n)::UBIGINT)::INTEGER;
CREATE OR REPLACE TEMP MACRO demo_between(k, salt, lo, hi) AS
    (lo) + demo_n(k, salt, (hi) - (lo) + 1);
-- The student's mentor on day d: mentors change, and some leave without a successor.
CREATE OR REPLACE TEMP MACRO demo_mentor_at(mode, d, change_d, gone_d, mentor, prev) AS
    CASE mode
        WHEN 'change' THEN CASE WHEN d > change_d THEN mentor ELSE prev END
        WHEN 'gone' THEN CASE WHEN d > gone_d THEN NULL ELSE prev END
        ELSE mentor
    END;
-- One number per person key (group number, a, b, k); joins on it keep DuckDB's optimizer from
-- linking the person lookups to each other (joining them on shared columns blew up).
CREATE OR REPLACE TEMP MACRO demo_pkey(gr, a, b, k) AS
    gr::BIGINT * 10000000000000000 + a::BIGINT * 1000000000 + b::BIGINT * 10000 + k::BIGINT;
-- The number of supervisors of company c of offer o (1 or 2).
CREATE OR REPLACE TEMP MACRO demo_nsup(o, c) AS 1 + demo_n(o * 100000 + c, 'nsup', 2);
