-- name: 002_user_sign_in
-- Sign-in bookkeeping for dashboard/users.py.
-- last_failed_at: failures count towards a lock only within lockout_minutes of the previous one.
-- is_demo: accounts made for a demo store; they never work once the store is not a demo.
ALTER TABLE users ADD COLUMN last_failed_at TIMESTAMP;
ALTER TABLE users ADD COLUMN last_sign_in_at TIMESTAMP;
ALTER TABLE users ADD COLUMN is_demo BOOLEAN DEFAULT false;
