-- name: demo_cleanup
-- Drops the demo generator's temporary tables and macros (demo.py resets the variables).
DROP TABLE IF EXISTS demo_st;
DROP VIEW IF EXISTS demo_s;
DROP TABLE IF EXISTS demo_pl;
DROP TABLE IF EXISTS demo_p;
DROP VIEW IF EXISTS demo_pdef;
DROP VIEW IF EXISTS demo_s1;
DROP VIEW IF EXISTS demo_s0;
DROP TABLE IF EXISTS demo_company;
DROP TABLE IF EXISTS demo_lc;
DROP TABLE IF EXISTS demo_oc;
DROP TABLE IF EXISTS demo_offer;
DROP TABLE IF EXISTS demo_service;
DROP TABLE IF EXISTS demo_prog;
DROP TABLE IF EXISTS demo_loc;
DROP TABLE IF EXISTS demo_pool;
DROP MACRO IF EXISTS demo_nsup;
DROP MACRO IF EXISTS demo_pkey;
DROP MACRO IF EXISTS demo_mentor_at;
DROP MACRO IF EXISTS demo_between;
DROP MACRO IF EXISTS demo_n;
DROP MACRO IF EXISTS demo_u;
