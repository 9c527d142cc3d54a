"""The app over a PostgreSQL store that cannot be reached: a plain "try again", never a
traceback, and the app itself once the server is back."""

from __future__ import annotations

from .conftest import close_app_store, new_app, texts

UNREACHABLE = "postgresql://regiebord@127.0.0.1:1/regiebord"


def test_a_server_that_is_down_shows_try_again_then_the_app(monkeypatch, pg_url):
    monkeypatch.setenv("REGIEBORD_DB", UNREACHABLE)
    at = new_app().run()
    assert not at.exception
    assert "niet bereikbaar" in texts(at)
    assert [b.label for b in at.button] == ["Opnieuw proberen"]
    monkeypatch.setenv("REGIEBORD_DB", pg_url)  # the server is back (here: another address)
    at.button[0].click().run()
    try:
        assert not at.exception
        assert "niet bereikbaar" not in texts(at)
        assert at.text_input(key="signin_username")  # the sign-in form
    finally:
        close_app_store()
