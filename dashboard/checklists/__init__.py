"""The two guidance checklists of the design research, as data (issue 19).

The checklist of fitting individual guidance (`guidance`, eight items) and the checklist of
effective collaboration between school, workplace and care (`collaboration`, six items) live in
the store (`checklist_items`, migration 006), each item versioned: an admin rewords, adds or
retires items (items.py) and every answer keeps the version it was given under. A guide fills
one in on its own or attached to a fixed contact moment, one party's view at a time
(filling.py); the student file reads them back as latest scores with the previous one, the
history and where the parties disagree (reading.py); the trends page gets the share of
"ruimte voor verbetering" per item (shares.py, aggregates only).

This package sits above the other services (import-linter): it reuses the contact write of
students.records, the student-file rules of students.student_file and the small-cell rule of
trends. The codes below are shown through i18n (`checklists.*`).
"""

from __future__ import annotations

CHECKLISTS = ("guidance", "collaboration")
# voldoende, ruimte voor verbetering, niet besproken; only the first two are scores.
SCORES = ("sufficient", "improve", "not_discussed")
SCORED = ("sufficient", "improve")
# Whose view a filled-in checklist gives: the student, the school's guide, the workplace.
PARTIES = ("student", "school", "workplace")
# Collaboration items that meet a signal (docs/flags.md): the item, the open signal, and the
# agreement topic whose recording closes it (issue 19, point 5).
ITEM_SIGNALS = {
    "direction": ("NO_DIRECTION", "direction"),
    "informing": ("NO_INFORMATION_AGREEMENT", "information"),
}
