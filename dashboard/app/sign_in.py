"""Signing in and out, and the session's clock.

Two ways in: a local form (with the demo accounts listed while the store is a demo), or the
school's OpenID Connect provider when st.secrets has an [auth] section. Every rerun the entry
re-reads the user from the store (`current_user`), so a disabled account or an expired
session ends at once.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard import settings
from dashboard.app import render, runtime, session
from dashboard.demo.accounts import DemoAccount, ensure_demo_accounts
from dashboard.errors import NotAllowed
from dashboard.security import access, sign_in

# What survives signing out: the language, and the evaluation day a test may have fixed.
KEPT_ON_SIGN_OUT = ("lang", "today")


def uses_oidc() -> bool:
    try:
        return "auth" in st.secrets
    except FileNotFoundError:  # no secrets.toml at all
        return False


def client() -> str | None:
    """The browser's address, so repeated sign-in failures slow down that client (None when
    Streamlit does not know it, e.g. in AppTest)."""
    address = st.context.ip_address
    return address if isinstance(address, str) else None


def start_session(user: access.User, started_at: dt.datetime | None = None) -> None:
    now = dt.datetime.now()
    st.session_state.update(user=user, started_at=started_at or now, last_seen=now)


def oidc_signed_in_at() -> dt.datetime | None:
    """When the identity provider signed the user in (the ID token's `iat`), so the absolute
    session lifetime also bounds the 30-day login cookie that new browser sessions reuse."""
    issued = st.user.get("iat")
    return dt.datetime.fromtimestamp(issued) if isinstance(issued, int | float) else None


def end_session(store, notice: str) -> None:
    """Forget everything of this session but the language; show `notice` at the sign-in."""
    user = st.session_state.get("user")
    if user is not None and notice != "signin.disabled":
        sign_in.record_sign_out(store, user, expired=notice == "signin.expired")
    for key in list(st.session_state.keys()):
        if key not in KEPT_ON_SIGN_OUT:
            del st.session_state[key]
    st.session_state["signin_notice"] = notice
    if uses_oidc() and st.user.is_logged_in:
        st.logout()  # else the identity cookie would sign the user straight back in


def current_user(store) -> access.User | None:
    """The signed-in user, re-read from the store and within the session's time limits."""
    user = st.session_state.get("user")
    if user is None:
        return None
    fresh = sign_in.load_user(store, user.username)
    now = dt.datetime.now()
    if fresh is None:
        end_session(store, "signin.disabled")
        return None
    started, last_seen = st.session_state["started_at"], st.session_state["last_seen"]
    if sign_in.session_expired(started, last_seen, now, settings.current(store)):
        end_session(store, "signin.expired")
        return None
    st.session_state.update(user=fresh, last_seen=now)
    return fresh


def show_notice() -> None:
    notice = st.session_state.pop("signin_notice", None)
    if notice:
        st.info(session.tr(notice))


def sign_in_page() -> None:
    store = runtime.store()
    if uses_oidc():
        oidc_sign_in(store)
    else:
        # Made when missing, listed while the store is a demo (and only then).
        accounts = ensure_demo_accounts(store, today=session.today(), lang=session.lang())
        sign_in_form(store, accounts)


def sign_in_form(store, demo_accounts: list[DemoAccount]) -> None:
    tr = session.tr
    st.title(tr("signin.title"))
    show_notice()
    st.write(tr("signin.intro"))
    with st.form("sign_in"):
        username = st.text_input(tr("signin.username"), key="signin_username")
        password = st.text_input(tr("signin.password"), type="password", key="signin_password")
        submitted = st.form_submit_button(tr("signin.submit"), type="primary")
    if submitted:
        try:
            user = sign_in.authenticate(
                store, username.strip(), password, settings.current(store), client=client()
            )
        except NotAllowed:
            st.error(tr("signin.failed"))
        else:
            start_session(user)
            st.rerun()
    if demo_accounts:
        st.subheader(tr("signin.demo_title"))
        st.caption(tr("signin.demo_intro"))
        st.dataframe(
            {
                tr("signin.demo_username"): [a.username for a in demo_accounts],
                tr("signin.demo_password"): [a.password for a in demo_accounts],
                tr("signin.demo_sees"): [a.description for a in demo_accounts],
            },
            hide_index=True,
        )


def oidc_sign_in(store) -> None:
    """Sign in through the school's identity provider (st.login); the app keeps its own
    clock, because Streamlit's identity cookie outlives any sensible session."""
    if st.user.is_logged_in:
        email = st.user.email if isinstance(st.user.email, str) else ""  # claims may be any JSON
        user = sign_in.user_for_email(store, email)
        if user is not None:
            started_at = oidc_signed_in_at()
            if started_at and sign_in.session_expired(
                started_at, dt.datetime.now(), dt.datetime.now(), settings.current(store)
            ):
                end_session(store, "signin.expired")
                return
            sign_in.record_sign_in(store, user)
            start_session(user, started_at)
            st.rerun()
        st.error(session.tr("signin.sso_unknown", email=render.plain(email)))
        st.button(session.tr("signin.sign_out"), on_click=st.logout)
        return
    st.title(session.tr("signin.title"))
    show_notice()
    st.button(session.tr("signin.sso"), on_click=st.login, type="primary")


def sidebar_account(store, user: access.User) -> None:
    kind = session.tr(f"signin.kinds.{user.kind}")
    name = user.name or user.username
    if name.casefold() == kind.casefold():  # an account without a person, named by its kind
        text = session.tr("signin.signed_in_as_kind", kind=kind)
    else:
        text = session.tr("signin.signed_in_as", name=render.plain(name), kind=kind)
    st.sidebar.markdown(text)
    if st.sidebar.button(session.tr("signin.sign_out"), key="sign_out"):
        end_session(store, "signin.signed_out")
        st.rerun()
