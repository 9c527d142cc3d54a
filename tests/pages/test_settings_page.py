"""The settings page: shows values and defaults, saves valid changes, explains refusals."""

from __future__ import annotations

import pytest

from dashboard import settings, signals

from .conftest import TODAY, app_store, assert_day_warmed, texts


def button(at, label: str):
    return next(b for b in at.button if b.label == label)


@pytest.fixture
def settings_page(signed_in):
    at = signed_in("beheerder")
    at.switch_page("pages/settings.py").run()
    assert not at.exception
    return at


def test_shows_every_setting_with_its_default(settings_page):
    at = settings_page
    for key, (default, _, _) in settings.DEFAULTS.items():
        assert at.number_input(key=f"setting_{key}").value == default
    assert "Standaard: 14" in texts(at)


def test_saves_a_valid_change(settings_page):
    at = settings_page
    at.number_input(key="setting_upcoming_days").set_value(21)
    button(at, "Opslaan").click().run()
    assert "Opgeslagen." in texts(at)
    assert settings.current(app_store())["upcoming_days"] == 21
    with app_store().read() as cur:
        audited = cur.execute(
            "SELECT count(*) FROM audit WHERE entity = 'settings' AND entity_key = 'upcoming_days'"
        ).fetchone()[0]
    assert audited == 1


def test_a_change_that_moves_signals_computes_the_day_again_in_the_background(
    settings_page, monkeypatch
):
    at = settings_page
    before = signals.evaluate(app_store(), TODAY)
    at.number_input(key="setting_many_guides").set_value(3)
    button(at, "Opslaan").click().run()
    assert "Opgeslagen." in texts(at)
    after = signals.evaluate(app_store(), TODAY)
    assert (after["code"] == "MANY_GUIDES").sum() > (before["code"] == "MANY_GUIDES").sum()
    assert_day_warmed(monkeypatch)


def test_refuses_a_value_out_of_range_and_keeps_the_old_one(settings_page):
    at = settings_page
    at.number_input(key="setting_many_guides").set_value(1)  # minimum is 2
    button(at, "Opslaan").click().run()
    assert at.error
    assert "ligt niet tussen 2 en 100" in texts(at)
    assert settings.current(app_store())["many_guides"] == 7


def test_only_admins_have_the_page(signed_in):
    at = signed_in("zorgcoordinator")
    with pytest.raises(ValueError):
        at.switch_page("pages/settings.py")


def test_a_save_with_one_refused_value_keeps_none_of_the_form(settings_page):
    at = settings_page
    at.number_input(key="setting_many_guides").set_value(3)  # fine on its own
    at.number_input(key="setting_upcoming_days").set_value(0)  # minimum is 1
    button(at, "Opslaan").click().run()
    assert at.error
    assert "ligt niet tussen 1 en 90" in texts(at)
    assert settings.current(app_store())["many_guides"] == 7


def test_sets_the_backup_folder_and_refuses_one_that_is_not_a_full_path(settings_page, tmp_path):
    at = settings_page
    at.text_input(key="setting_backup_folder").input("backups")
    button(at, "Opslaan").click().run()
    assert "is geen volledig pad naar een map" in texts(at)
    assert settings.texts(app_store())["backup_folder"] == ""
    at.text_input(key="setting_backup_folder").input(str(tmp_path / "kopie"))
    button(at, "Opslaan").click().run()
    assert "Opgeslagen." in texts(at)
    assert settings.texts(app_store())["backup_folder"] == str(tmp_path / "kopie")
