"""The trends page (issue 17) through the real entry script on the demo store: who lands on
it, its filters, what it shows and what never reaches it (a student's name or id)."""

from __future__ import annotations

import re

import pytest

from dashboard.trends.period import Period

from .conftest import app_store, texts

ID = re.compile(r"S\d{6}")


def shown(at) -> str:
    """Every text and table cell of the run, for searching."""
    cells = [str(v) for frame in at.dataframe for v in frame.value.to_numpy().ravel()]
    return texts(at) + "\n" + "\n".join(cells)


def student_names() -> list[str]:
    with app_store().read() as cur:
        return [
            f"{first} {last}"
            for first, last in cur.execute("SELECT first_name, last_name FROM students").fetchall()
        ]


def test_a_manager_lands_on_the_trends_page_with_every_section(signed_in):
    at = signed_in("manager")
    assert not at.exception, at.exception
    assert at.title[0].value == "Trends"
    subheaders = [s.value for s in at.subheader]
    assert subheaders == [
        "1. Vaste contactmomenten",
        "2. Regie en informatie",
        "3. Signalen in de tijd",
        "4. Contact",
        "5. Uitval en uitstroom",
        "6. Uitval naast de afstemming",
        "7. De checklists: waar is ruimte voor verbetering?",
    ]
    assert "samenhangen, geen oorzaken" in texts(at)
    assert re.search(r"Berekend om \d\d:\d\d: .* binnen 15 minuten mee", texts(at))
    assert len(at.get("vega_lite_chart")) >= 13  # with the signals' two and the checklists' one
    assert at.dataframe  # the figures behind each chart
    assert any(b.label.startswith("Alle cijfers") for b in at.get("download_button"))
    text = shown(at)
    assert not ID.search(text), ID.search(text)
    assert [n for n in student_names() if n in text] == []
    # no "later version" text anywhere
    assert "volgende versie" not in text


def test_filters_location_cohort_and_school_year(signed_in):
    at = signed_in("manager")
    before = at.dataframe[0].value.copy()
    at.multiselect(key="trends_locations").select("Rotterdam Zuid").run()
    assert not at.exception, at.exception
    after = at.dataframe[0].value
    assert not before.equals(after)  # the figures follow the filter
    at.selectbox(key="trends_period").select_index(1).run()  # the newest school year
    assert not at.exception, at.exception
    assert "Tot en met" in texts(at)
    at.selectbox(key="trends_cohort").select_index(0).run()
    assert not at.exception, at.exception


def test_a_care_coordinator_sees_trends_of_their_locations_only(signed_in):
    at = signed_in("zorgcoordinator")
    at.switch_page("pages/trends.py").run()  # refused (ValueError) when not in the menu
    assert not at.exception, at.exception
    user = at.session_state["user"]
    offered = at.multiselect(key="trends_locations").options
    assert set(offered) == set(user.locations)


def test_the_page_without_the_permission_shows_nothing(signed_in):
    at = signed_in("mentor")
    with pytest.raises(ValueError):
        at.switch_page("pages/trends.py")


@pytest.mark.parametrize("index, shown", [(0, "Last 12 months"), (1, "School year ")])
def test_a_language_switch_keeps_the_period_and_shows_it_in_the_new_language(
    signed_in, index, shown
):
    # The default period (the last 12 months) is a real choice, not an empty box: after the
    # switch the box must still show it, now in English, not "Choose an option".
    at = signed_in("manager")
    assert at.selectbox(key="trends_period").proto.default == 0
    at.selectbox(key="trends_period").select_index(index).run()
    chosen = at.selectbox(key="trends_period").value
    assert isinstance(chosen, Period)
    at.selectbox(key="lang").select("en").run()
    period = at.selectbox(key="trends_period")
    assert period.value == chosen and period.proto.set_value
    assert period.proto.raw_value.startswith(shown)
    assert "Up to and including" in texts(at)  # the figures are still there
