"""The app's pages, written down once: the registry PAGES says for each page its script, its
name in the menu, its icon, its menu section and the permission that shows it. The entry
hands `pages_for(user)` to st.navigation (pages not handed over cannot be reached by URL);
the student file is opened and left through `open_student` and `back_to_list`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath

import streamlit as st

from dashboard.app import session
from dashboard.security import access
from dashboard.security.access import User

WORK, ADMIN = "nav.section_work", "nav.section_admin"  # menu sections (their i18n keys)


@dataclass(frozen=True)
class AppPage:
    """One page of the app.

    `may` is the access action that shows the page; a page with `may=None` is shown instead,
    to a user who may open no other page of its section. A page with `in_menu=False` is
    opened from another page (the student file from the lists); it still shows in the menu
    when its section would otherwise show a single page, because Streamlit hides a menu of
    one page (workplace supervisors, who have just the student list).
    """

    script: str | Callable[[], None]  # a file under pages/, or a function
    title: str  # i18n key of its name in the menu
    icon: str
    section: str
    may: str | None
    in_menu: bool = True

    @property
    def name(self) -> str:
        """Its address in the browser: the file's name, or the function's."""
        if isinstance(self.script, str):
            return PurePosixPath(self.script).stem
        return self.script.__name__

    @property
    def file(self) -> str:
        """Its script file, for st.switch_page (only file pages are switched to by code)."""
        if not isinstance(self.script, str):
            raise TypeError(f"page {self.name!r} is a function, not a file")
        return self.script

    def st_page(self, visible: bool) -> st.Page:
        url_path = None if isinstance(self.script, str) else self.name
        return st.Page(
            self.script,
            title=session.tr(self.title),
            icon=self.icon,
            url_path=url_path,
            visibility="visible" if visible else "hidden",
        )


def home() -> None:
    """The landing page of users who may open no other page of the work section."""
    st.title(session.tr("home.title"))
    may_trends = access.may(session.user(), "view_trends")
    st.write(session.tr("home.manager" if may_trends else "home.no_pages"))


PAGES = {
    page.name: page
    for page in (
        AppPage("pages/caseload.py", "nav.caseload", ":material/checklist:", WORK, "view_caseload"),
        AppPage("pages/students.py", "nav.students", ":material/groups:", WORK, "view_students"),
        AppPage("pages/meetings.py", "nav.meetings", ":material/forum:", WORK, "view_meetings"),
        AppPage(
            "pages/student.py",
            "nav.student",
            ":material/person:",
            WORK,
            "view_students",
            in_menu=False,
        ),
        AppPage("pages/trends.py", "nav.trends", ":material/monitoring:", WORK, "view_trends"),
        AppPage(home, "nav.home", ":material/home:", WORK, None),
        AppPage("pages/settings.py", "nav.settings", ":material/tune:", ADMIN, "manage_settings"),
        AppPage(
            "pages/admin_data.py",
            "nav.admin_data",
            ":material/import_export:",
            ADMIN,
            "import_export",
        ),
        AppPage("pages/users.py", "nav.users", ":material/manage_accounts:", ADMIN, "manage_users"),
        AppPage("pages/audit_log.py", "nav.audit_log", ":material/history:", ADMIN, "view_audit"),
        AppPage(
            "pages/student_rights.py",
            "nav.student_rights",
            ":material/gavel:",
            ADMIN,
            "student_rights",
        ),
    )
}


def _may_open(user: User, page: AppPage) -> bool:
    """Whether `user` has the permission that shows `page` (a page without one is a stand-in)."""
    return page.may is not None and access.may(user, page.may)


def pages_for(user: User) -> dict[str, list[st.Page]]:
    """The pages `user` may open, by menu section in the registry's order (only these are
    reachable by URL; the first is where the user lands)."""
    shown = {}
    for section in dict.fromkeys(p.section for p in PAGES.values()):
        here = [p for p in PAGES.values() if p.section == section]
        pages = [p for p in here if _may_open(user, p)]
        pages = pages or [p for p in here if p.may is None]
        if pages:
            in_menu = sum(p.in_menu for p in pages)
            shown[session.tr(section)] = [p.st_page(p.in_menu or in_menu == 1) for p in pages]
    return shown


# The lists a student file is opened from, the user's first list first.
LISTS = ("caseload", "students")
BACK = "student_back"  # session state: the list the student file was opened from


def open_student(student_id: str, back: str) -> None:
    """Go to the student file (pages/student.py reads st.query_params["student"]); its back
    button returns to `back`, the list (of LISTS) the user chose the student in."""
    st.session_state[BACK] = back
    st.switch_page(PAGES["student"].file, query_params={"student": student_id})


def back_to_list() -> None:
    """The student file's button back to the list it was opened from. Opened by its address
    (no list yet), it leads to the user's first list: the caseload, else the student list."""
    user = session.user()
    mine = [name for name in LISTS if _may_open(user, PAGES[name])]
    back = st.session_state.get(BACK)
    if back not in mine:
        back = mine[0] if mine else "students"  # no list: no file to open either
    page = PAGES[back]
    text = session.tr("student.back", page=session.tr(page.title))
    if st.button(text, icon=":material/arrow_back:", type="tertiary", key="student_back_button"):
        st.switch_page(page.file)
