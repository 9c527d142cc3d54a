"""A small school for the caseload meeting tests (tests/test_meetings*.py): five students of
location Noord, each healthy but for one thing, one student of Zuid, and a coordinator of Noord.

- S-HIGH: no information agreement (a high signal);
- S-MED: no workplace consent recorded (a medium signal);
- S-OVER: an action from a meeting 30 days ago, due 10 days ago, still open (ACTION_OVERDUE);
- S-OLD: discussed 60 days ago;
- S-NEW: never discussed;
- S-ZUID: of location Zuid, outside the coordinator's scope.
"""

from __future__ import annotations

import datetime as dt

from factories import World, days, healthy_student

from dashboard.meetings import prepare, run
from dashboard.meetings.model import CaseloadChoice, MeetingForm
from dashboard.security.access import User

T = dt.date(2025, 10, 1)
COORD = User("coord", "care_coordinator", "P-CO", "Coördinator", locations=("Noord",))
NOORD = ("S-HIGH", "S-MED", "S-OVER", "S-OLD", "S-NEW")


def build(store) -> dict[str, str]:
    """Write the school and its two earlier meetings; returns the ids of what it made."""
    w = World()
    w.add_person("P-CO", "Carla Coördinator")
    w.add_person("P-BPV", "Bram BPV")
    w.add_person("P-LP", "Leerplicht Lisa", kind="external")
    for sid in (*NOORD, "S-ZUID"):
        s = healthy_student(w, T, sid)
        s.student["location"] = "Zuid" if sid == "S-ZUID" else "Noord"
        s.student["first_name"], s.student["last_name"] = "Naam", sid
    w.agreements = [
        a for a in w.agreements if not (a["student_id"] == "S-HIGH" and a["topic"] == "information")
    ]
    w.consents = [c for c in w.consents if c["student_id"] != "S-MED"]
    w.add_role("S-HIGH", "P-BPV", "bpv_coordinator", T - days(100))
    w.save(store)
    old = create(store, ["S-OLD"], T - days(60))
    earlier = create(store, ["S-OVER"], T - days(30))
    action = run.add_action(
        store, COORD, earlier, "S-OVER", "Bel de leerling", "M-S-OVER", T - days(10), T - days(30)
    )
    return {"old": old, "earlier": earlier, "action": action}


def create(
    store,
    students: list[str],
    held_on: dt.date = T,
    kind: str = "internal",
    attendees: tuple[tuple[str, str], ...] = (("P-CO", "voorzitter"),),
    minutes: int = 60,
) -> str:
    form = MeetingForm(
        held_on, kind, CaseloadChoice("list", None, tuple(students)), minutes, attendees
    )
    return prepare.create_meeting(store, COORD, form, held_on)
