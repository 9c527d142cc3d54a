"""The sections of the student file page (pages/student.py), one module each."""
