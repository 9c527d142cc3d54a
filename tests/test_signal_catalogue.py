"""The signal catalogue (dashboard/signals/catalogue.toml) and the places that must agree with
it: the marked sections of queries/signals.sql, the code list of docs/flags.md, the settings
and the texts."""

from __future__ import annotations

import re
import string
from pathlib import Path

from dashboard import i18n, queries, settings
from dashboard.signals import catalogue

ROOT = Path(__file__).resolve().parents[1]
# The query file as written: its sections are marked by comments, which queries.load drops.
SIGNALS_SQL = ROOT / "dashboard" / "queries" / "signals.sql"
# Codes docs/flags.md names that have no rule yet; any other difference fails.
NOT_YET_BUILT: set[str] = set()
# What signals.describe fills in besides the signal's own thresholds.
TEXT_NAMES = {
    "company",
    "mentor",
    "supervisor",
    "care_lead",
    "lead",
    "holder",
    "since",
    "review_on",
}


def spec_codes() -> dict[str, str]:
    """code -> severity, from the tables of docs/flags.md, in its order."""
    text = (ROOT / "docs" / "flags.md").read_text("utf-8")
    return dict(re.findall(r"^\| ([A-Z][A-Z_]+) \| (high|medium|low) \|", text, re.MULTILINE))


def test_flags_md_names_the_catalogue_codes_with_their_severities():
    spec = spec_codes()
    assert NOT_YET_BUILT <= set(spec)
    built = {code: severity for code, severity in spec.items() if code not in NOT_YET_BUILT}
    assert list(catalogue.CODES.items()) == list(built.items())  # same order too


def test_every_code_has_one_marked_sql_section_and_nothing_else_is_a_rule():
    sql = SIGNALS_SQL.read_text("utf-8")
    marked = re.findall(r"^\s*-- signal: (\S+)\s*$", sql, re.MULTILINE)
    assert sorted(marked) == sorted(catalogue.CODES)  # each once
    # Each section yields its own code: the first code literal after the mark.
    for code in marked:
        after = sql.split(f"-- signal: {code}\n", 1)[1]
        assert re.search(r"'([A-Z][A-Z_]+)'", after).group(1) == code
    # No rule outside a section: every code literal of the query is a catalogue code.
    assert set(re.findall(r"'([A-Z][A-Z_]+)'", sql)) == set(catalogue.CODES)


def test_thresholds_are_settings_with_the_defaults_of_flags_md():
    assert {k: settings.DEFAULTS[k] for k in catalogue.THRESHOLDS} == catalogue.THRESHOLDS
    defaults = {key: spec[0] for key, spec in catalogue.THRESHOLDS.items()}
    assert defaults == {
        "start_grace_days": 14,
        "mid_grace_days": 14,
        "final_grace_days": 14,
        "final_window_days": 90,
        "no_contact_days": 28,
        "many_guides": 7,
        "direction_min_guides": 2,
        "stop_inform_days": 5,
        "stop_window_days": 60,
        "absence_window_days": 28,
        "absence_hours": 8,
    }
    # The query reads exactly the thresholds the catalogue declares (and no other setting).
    sql = queries.load("signals", scope="true", scoped="", order="")
    read = set(re.findall(r"\$(\w+)", sql)) & set(settings.DEFAULTS)
    assert read == set(catalogue.THRESHOLDS)


def test_texts_name_only_what_describe_fills_in():
    for signal in catalogue.SIGNALS:
        allowed = TEXT_NAMES | set(signal.settings)
        for lang in i18n.LANGUAGES:
            for part in ("title", "explanation", "next_step"):
                text = i18n.catalogue(lang)[f"signals.{signal.code}.{part}"]
                names = {name for _, name, _, _ in string.Formatter().parse(text) if name}
                assert names <= allowed, (signal.code, lang, part)


def test_every_threshold_has_a_label_on_the_settings_page():
    for lang in i18n.LANGUAGES:
        labels = i18n.catalogue(lang)
        assert all(f"settings_page.labels.{key}" in labels for key in catalogue.THRESHOLDS)
