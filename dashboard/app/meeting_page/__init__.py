"""The sections of pages/meetings.py (prepare, run, close and minutes) and the meeting blocks
other pages show: "my actions" on the caseload page and "from meetings" in the student file."""
