"""Caseload meetings (caseloadbespreking; with external partners a zorgoverleg, ZAT-like).

A care coordinator prepares a meeting (prepare.py: the caseload, the proposed agenda, the
attendees), runs it one student at a time (run.py: the compact file, decisions written through
the student file's own services, actions with owner, due date and status history, attendance),
closes it and hands out minutes and recaps (minutes.py), and follows it up (follow_up.py: "my
actions", a student's decisions and actions, what the next meeting starts from). Overdue
actions are the signal ACTION_OVERDUE (queries/signals.sql).

This package sits one layer above the student file and the signals (pyproject, import-linter):
it writes agreements through dashboard.students.agreements and reads signals from the day
cache; the student file itself knows nothing of meetings (the page asks follow_up).
Who sees what: access.meeting_visible_sql and reads.py.
"""
