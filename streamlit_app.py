"""Regiebord, the Streamlit entry: `streamlit run streamlit_app.py`.

Every rerun: language switch, demo banner, sign-in gate (dashboard/app/sign_in.py), the
session clock, then st.navigation over the pages this user may have (the registry in
dashboard/app/nav.py). Pages that are not handed to st.navigation cannot be reached by URL;
each page's service still checks access itself.

On the very first start (no store file yet) the store is created and filled with demo data
(dashboard/app/runtime.py), so the app shows something at once; the demo accounts exist only
while the store is a demo.
"""

from __future__ import annotations

import streamlit as st

from dashboard.app import nav, runtime, session, sign_in
from dashboard.errors import StoreUnavailable

st.set_page_config(page_title="Regiebord", page_icon=":material/explore:", layout="wide")


def main() -> None:
    """The app, or, while a PostgreSQL store cannot be reached (down, restarting), a plain
    "try again": every later run tries again, so the app recovers by itself."""
    try:
        app()
    except StoreUnavailable:
        st.error(session.tr("app.store_unavailable"), icon=":material/cloud_off:")
        st.button(session.tr("app.try_again"))


def app() -> None:
    store = runtime.store()
    session.language_switch()
    if store.is_demo():
        st.warning(session.tr("app.demo_banner"), icon=":material/science:")

    user = sign_in.current_user(store)
    if user is None:
        # Always call st.navigation: without it Streamlit would list pages/ by itself.
        gate = st.Page(sign_in.sign_in_page, title=session.tr("signin.title"), url_path="signin")
        st.navigation([gate], position="hidden").run()
        return
    sign_in.sidebar_account(store, user)
    page = st.navigation(nav.pages_for(user))
    session.note_page(page.url_path)
    page.run()


main()
