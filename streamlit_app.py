"""Regiebord, the Streamlit entry: `streamlit run streamlit_app.py`.

Every rerun: language switch, demo banner, sign-in gate (a local form, or the school's
OpenID Connect provider when st.secrets has an [auth] section), the session clock, then
st.navigation over the pages this user may have. Pages that are not handed to
st.navigation cannot be reached by URL; each page's service still checks access itself.

On the very first start (no store file yet) the store is created and filled with demo data,
so the app shows something at once; the demo accounts exist only while the store is a demo.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import streamlit as st

from dashboard import demo, settings
from dashboard.app import ui
from dashboard.errors import NotAllowed
from dashboard.security import access, users

st.set_page_config(page_title="Regiebord", page_icon=":material/explore:", layout="wide")

# What survives signing out: the language, and the evaluation day a test may have fixed.
KEPT_ON_SIGN_OUT = ("lang", "today")


@st.cache_resource(show_spinner=False)
def prepare_store(path: str) -> None:
    """Open the store once per process; on first start fill it with demo data and accounts."""
    first_start = not Path(path).exists()
    store = ui.store()
    if first_start:
        demo.generate(store, access.CLI_USER, students=300, seed=1)
        users.ensure_demo_accounts(store)


def uses_oidc() -> bool:
    try:
        return "auth" in st.secrets
    except FileNotFoundError:  # no secrets.toml at all
        return False


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
        users.record_sign_out(store, user, expired=notice == "signin.expired")
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
    fresh = users.load_user(store, user.username)
    now = dt.datetime.now()
    if fresh is None:
        end_session(store, "signin.disabled")
        return None
    started, last_seen = st.session_state["started_at"], st.session_state["last_seen"]
    if users.session_expired(started, last_seen, now, settings.current(store)):
        end_session(store, "signin.expired")
        return None
    st.session_state.update(user=fresh, last_seen=now)
    return fresh


def show_notice() -> None:
    notice = st.session_state.pop("signin_notice", None)
    if notice:
        st.info(ui.tr(notice))


def sign_in_page() -> None:
    store = ui.store()
    if uses_oidc():
        oidc_sign_in(store)
    else:
        # Made when missing, listed while the store is a demo (and only then).
        accounts = users.ensure_demo_accounts(store, today=ui.today(), lang=ui.lang())
        sign_in_form(store, accounts)


def sign_in_form(store, demo_accounts: list[users.DemoAccount]) -> None:
    st.title(ui.tr("signin.title"))
    show_notice()
    st.write(ui.tr("signin.intro"))
    with st.form("sign_in"):
        username = st.text_input(ui.tr("signin.username"), key="signin_username")
        password = st.text_input(ui.tr("signin.password"), type="password", key="signin_password")
        submitted = st.form_submit_button(ui.tr("signin.submit"), type="primary")
    if submitted:
        try:
            user = users.authenticate(store, username.strip(), password)
        except NotAllowed:
            st.error(ui.tr("signin.failed"))
        else:
            start_session(user)
            st.rerun()
    if demo_accounts:
        st.subheader(ui.tr("signin.demo_title"))
        st.caption(ui.tr("signin.demo_intro"))
        st.dataframe(
            {
                ui.tr("signin.demo_username"): [a.username for a in demo_accounts],
                ui.tr("signin.demo_password"): [a.password for a in demo_accounts],
                ui.tr("signin.demo_sees"): [a.description for a in demo_accounts],
            },
            hide_index=True,
        )


def oidc_sign_in(store) -> None:
    """Sign in through the school's identity provider (st.login); the app keeps its own
    clock, because Streamlit's identity cookie outlives any sensible session."""
    if st.user.is_logged_in:
        user = users.user_for_email(store, st.user.email)
        if user is not None:
            started_at = oidc_signed_in_at()
            if started_at and users.session_expired(
                started_at, dt.datetime.now(), dt.datetime.now(), settings.current(store)
            ):
                end_session(store, "signin.expired")
                return
            users.record_sign_in(store, user)
            start_session(user, started_at)
            st.rerun()
        st.error(ui.tr("signin.sso_unknown", email=ui.plain(st.user.email or "")))
        st.button(ui.tr("signin.sign_out"), on_click=st.logout)
        return
    st.title(ui.tr("signin.title"))
    show_notice()
    st.button(ui.tr("signin.sso"), on_click=st.login, type="primary")


def sidebar_account(store, user: access.User) -> None:
    kind = ui.tr(f"signin.kinds.{user.kind}")
    name = user.name or user.username
    if name.casefold() == kind.casefold():  # an account without a person, named by its kind
        text = ui.tr("signin.signed_in_as_kind", kind=kind)
    else:
        text = ui.tr("signin.signed_in_as", name=ui.plain(name), kind=kind)
    st.sidebar.markdown(text)
    if st.sidebar.button(ui.tr("signin.sign_out"), key="sign_out"):
        end_session(store, "signin.signed_out")
        st.rerun()


def home() -> None:
    """The landing page of users without student pages (managers, for now)."""
    user = ui.user()
    st.title(ui.tr("home.title"))
    st.write(ui.tr("home.manager" if access.may(user, "view_trends") else "home.no_pages"))


def pages_for(user: access.User) -> dict[str, list[st.Page]]:
    """The pages this user may open, by section (only these are reachable by URL)."""
    work, admin = [], []
    if access.may(user, "view_caseload"):
        work.append(
            st.Page("pages/caseload.py", title=ui.tr("nav.caseload"), icon=":material/checklist:")
        )
    if access.may(user, "view_students"):
        work.append(
            st.Page("pages/students.py", title=ui.tr("nav.students"), icon=":material/groups:")
        )
        # Opened from the lists. Streamlit hides a menu of one page, so a user with just the
        # student list (workplace supervisors) gets the file in the menu too.
        in_menu = len(work) == 1
        work.append(
            st.Page(
                "pages/student.py",
                title=ui.tr("nav.student"),
                icon=":material/person:",
                visibility="visible" if in_menu else "hidden",
            )
        )
    if not work:
        work.append(st.Page(home, title=ui.tr("nav.home"), icon=":material/home:", url_path="home"))
    admin_pages = (
        ("manage_settings", "pages/settings.py", "nav.settings", ":material/tune:"),
        ("import_export", "pages/admin_data.py", "nav.admin_data", ":material/import_export:"),
        ("manage_users", "pages/users.py", "nav.users", ":material/manage_accounts:"),
        ("view_audit", "pages/audit_log.py", "nav.audit_log", ":material/history:"),
        ("student_rights", "pages/student_rights.py", "nav.student_rights", ":material/gavel:"),
    )
    for action, path, title, icon in admin_pages:
        if access.may(user, action):
            admin.append(st.Page(path, title=ui.tr(title), icon=icon))
    sections = {ui.tr("nav.section_work"): work, ui.tr("nav.section_admin"): admin}
    return {name: pages for name, pages in sections.items() if pages}


def main() -> None:
    prepare_store(ui.db_path())
    store = ui.store()
    ui.language_switch()
    if store.is_demo():
        st.warning(ui.tr("app.demo_banner"), icon=":material/science:")

    user = current_user(store)
    if user is None:
        # Always call st.navigation: without it Streamlit would list pages/ by itself.
        sign_in = st.Page(sign_in_page, title=ui.tr("signin.title"), url_path="signin")
        st.navigation([sign_in], position="hidden").run()
        return
    sidebar_account(store, user)
    page = st.navigation(pages_for(user))
    ui.note_page(page.url_path)
    page.run()


main()
