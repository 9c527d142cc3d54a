"""Gebruikers: the sign-in listed — list, add, disable or enable, set a password (admins)."""

from __future__ import annotations

import streamlit as st

from dashboard.app import render, runtime, session
from dashboard.errors import RegiebordError
from dashboard.security import access, accounts

NOTICE = "users_notice"


def done(text: str) -> None:
    """Show `text` after the rerun that refreshes the list."""
    st.session_state[NOTICE] = text
    st.rerun()


def state(row: dict) -> str:
    if row["disabled"]:
        return session.tr("access.users.state_disabled")
    return session.tr("access.users.state_locked" if row["locked"] else "access.users.state_active")


user, store = session.user(), runtime.store()
st.title(session.tr("access.users.title"))
try:
    listed = accounts.list_users(store, user)
    people, locations = accounts.people_and_locations(store, user)
except RegiebordError as exc:
    render.show_error(exc)
    st.stop()

st.caption(session.tr("access.users.intro"))
if NOTICE in st.session_state:
    st.success(st.session_state.pop(NOTICE))

st.subheader(session.tr("access.users.list"))
if listed:
    st.dataframe(
        {
            session.tr("access.users.username"): [a["username"] for a in listed],
            session.tr("access.users.kind"): [
                session.tr(f"signin.kinds.{a['kind']}") for a in listed
            ],
            session.tr("access.users.name"): [a["name"] or "" for a in listed],
            session.tr("access.users.locations"): [", ".join(a["locations"] or []) for a in listed],
            session.tr("access.users.email"): [a["email"] or "" for a in listed],
            session.tr("access.users.state"): [state(a) for a in listed],
            session.tr("access.users.last_sign_in"): [a["last_sign_in_at"] for a in listed],
            session.tr("access.users.demo"): [a["is_demo"] for a in listed],
        },
        hide_index=True,
    )
else:
    st.info(session.tr("access.users.none"))

st.subheader(session.tr("access.users.add"))
with st.form("users_add", clear_on_submit=True):
    username = st.text_input(session.tr("access.users.username"))
    kind = st.selectbox(
        session.tr("access.users.kind"),
        access.KINDS,
        format_func=lambda k: session.tr(f"signin.kinds.{k}"),
    )
    person = st.selectbox(
        session.tr("access.users.person"),
        [None, *people],
        format_func=lambda p: session.tr("access.users.no_person") if p is None else people[p],
    )
    chosen_locations = st.multiselect(session.tr("access.users.locations"), locations)
    email = st.text_input(session.tr("access.users.email"))
    password = st.text_input(session.tr("access.users.password"), type="password")
    add = st.form_submit_button(session.tr("access.users.submit_add"), type="primary")
if add:
    try:
        added = accounts.add_user(
            store, user, username, kind, password, person, chosen_locations, email
        )
    except RegiebordError as exc:
        render.show_error(exc)
    else:
        done(session.tr("access.users.added", username=added.username))

if listed:
    st.subheader(session.tr("access.users.manage"))
    by_name = {a["username"]: a for a in listed}
    chosen = st.selectbox(session.tr("access.users.account"), list(by_name), key="users_chosen")
    try:
        if by_name[chosen]["disabled"]:
            if st.button(session.tr("access.users.enable")):
                accounts.enable_user(store, user, chosen)
                done(session.tr("access.users.enabled_done", username=chosen))
        elif st.button(session.tr("access.users.disable")):
            accounts.disable_user(store, user, chosen)
            done(session.tr("access.users.disabled_done", username=chosen))
    except RegiebordError as exc:
        render.show_error(exc)
    with st.form("users_reset", clear_on_submit=True):
        new_password = st.text_input(session.tr("access.users.new_password"), type="password")
        reset = st.form_submit_button(session.tr("access.users.reset"))
    if reset:
        try:
            accounts.reset_password(store, user, chosen, new_password)
        except RegiebordError as exc:
            render.show_error(exc)
        else:
            done(session.tr("access.users.reset_done", username=chosen))
