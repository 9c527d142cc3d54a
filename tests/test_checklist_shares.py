"""The checklists on the trends page (the data service): per location and programme the share
of students whose latest score of an item was "ruimte voor verbetering", with the trends
page's small-cell rule. Counts are worked out by hand from cohorts of students."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from factories import World

from dashboard.checklists import shares
from dashboard.errors import NotAllowed
from dashboard.security import access
from dashboard.trends import TrendFilters

T = dt.date(2025, 3, 12)
ADMIN = access.CLI_USER
HIDDEN = "hidden"  # how `cell` shows a pd.NA


def students(world: World, prefix: str, n: int, location="Noord", programme="Entree") -> list[str]:
    ids = [f"{prefix}{i}" for i in range(1, n + 1)]
    for sid in ids:
        world.add_student(sid, dt.date(2024, 9, 1), location=location, programme=programme)
    return ids


def scored(store, ids, on: dt.date, party: str = "school", **scores) -> None:
    """Each student gets a collaboration checklist with these scores on `on`."""
    with store.write() as tx:
        for sid in ids:
            cid = f"CL-{sid}-{on}-{party}"
            tx.execute(
                "INSERT INTO checklists VALUES (?, ?, 'collaboration', ?, ?, NULL, NULL, 'x', "
                "current_timestamp::TIMESTAMP)",
                [cid, sid, party, on],
            )
            for item, score in scores.items():
                tx.execute(
                    "INSERT INTO checklist_answers VALUES (?, ?, ?, 1, ?, NULL)",
                    [cid, sid, item, score],
                )


def cell(frame: pd.DataFrame, location: str, programme: str, item: str) -> dict:
    row = frame[
        (frame["location"] == location)
        & (frame["programme"] == programme)
        & (frame["item_id"] == item)
    ]
    assert len(row) == 1, (location, programme, item)
    values = row.iloc[0][["scored", "improve", "sufficient", "share_improve"]].to_dict()
    return {k: HIDDEN if pd.isna(v) else v for k, v in values.items()}


@pytest.fixture
def school(store):
    w = World()
    noord = students(w, "N", 10)
    zuid = students(w, "Z", 7, location="Zuid", programme="Niveau 2 Retail")
    w.save(store)
    # Noord: direction 5 of 10 with room for improvement; informing: all sufficient.
    scored(store, noord[:5], dt.date(2025, 2, 1), direction="improve", informing="sufficient")
    scored(store, noord[5:], dt.date(2025, 2, 1), direction="sufficient", informing="sufficient")
    # Zuid: 2 of 7 with room for improvement on direction: a small cell.
    scored(store, zuid[:2], dt.date(2025, 2, 1), direction="improve")
    scored(store, zuid[2:], dt.date(2025, 2, 1), direction="sufficient")
    return store, noord, zuid


def test_shares_per_location_programme_and_item(school):
    store, _, _ = school
    got = shares.improvement_shares(store, ADMIN, T, TrendFilters())
    assert cell(got, "Noord", "Entree", "direction") == {
        "scored": 10, "improve": 5, "sufficient": 5, "share_improve": 0.5,
    }  # fmt: skip
    # A zero singles out nobody and stays.
    assert cell(got, "Noord", "Entree", "informing") == {
        "scored": 10, "improve": 0, "sufficient": 10, "share_improve": 0.0,
    }  # fmt: skip
    assert (
        got.loc[got["item_id"] == "direction", "wording"].iloc[0] == "Regie en verantwoordelijkheid"
    )
    assert set(got["item_id"]) == {"direction", "informing"}  # items nobody scored: no row


def test_small_cells_are_hidden_with_their_complement(school):
    store, _, _ = school
    got = shares.improvement_shares(store, ADMIN, T, TrendFilters())
    zuid = cell(got, "Zuid", "Niveau 2 Retail", "direction")
    # 2 with room for improvement: hidden, and so is the 5 that would give it away (7 - 5).
    assert zuid["scored"] == 7
    assert (
        zuid["improve"] == HIDDEN
        and zuid["sufficient"] == HIDDEN
        and zuid["share_improve"] == HIDDEN
    )


def test_the_latest_score_counts_and_a_party_saying_improve_that_day_wins(school):
    store, noord, _ = school
    # Later, the first five were scored sufficient by the school, but the student of two of
    # them saw room for improvement that same day.
    scored(store, noord[:5], dt.date(2025, 3, 1), direction="sufficient")
    scored(store, noord[:2], dt.date(2025, 3, 1), party="student", direction="improve")
    got = shares.improvement_shares(store, ADMIN, T, TrendFilters())
    assert cell(got, "Noord", "Entree", "direction")["scored"] == 10
    assert cell(got, "Noord", "Entree", "direction")["improve"] == HIDDEN  # 2: hidden
    only_school = shares.improvement_shares(store, ADMIN, T, TrendFilters(), parties=("school",))
    assert cell(only_school, "Noord", "Entree", "direction")["improve"] == 0
    # A checklist older than the window, or after as_of, does not count.
    before = shares.improvement_shares(store, ADMIN, dt.date(2025, 2, 15), TrendFilters())
    assert cell(before, "Noord", "Entree", "direction")["improve"] == 5
    later = shares.improvement_shares(store, ADMIN, dt.date(2026, 3, 1), TrendFilters())
    assert later.empty


def test_filters_and_who_sees_which_figures(school):
    store, _, _ = school
    filtered = shares.improvement_shares(store, ADMIN, T, TrendFilters(locations=("Zuid",)))
    assert set(filtered["location"]) == {"Zuid"}
    manager = access.User("m", "manager", locations=("Noord",))
    assert set(shares.improvement_shares(store, manager, T, TrendFilters())["location"]) == {
        "Noord"
    }
    coordinator = access.User("c", "care_coordinator", "P-CO", locations=("Zuid",))
    assert set(shares.improvement_shares(store, coordinator, T, TrendFilters())["location"]) == {
        "Zuid"
    }
    for kind in ("guide", "workplace", "care_worker"):
        with pytest.raises(NotAllowed):
            shares.improvement_shares(store, access.User("u", kind, "P"), T, TrendFilters())
