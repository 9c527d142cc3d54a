"""What the school learns from the checklists (the trends page): per location and programme,
the share of students whose latest score of an item was "ruimte voor verbetering".

Aggregates only (queries/checklist_shares.sql counts in DuckDB; no student row reaches Python)
over the students `access.aggregate_scope_sql` gives, with the trends page's small-cell rule
(dashboard.trends): a count resting on 1 to 4 students is hidden (pd.NA), and so is the share
built on it. `scored` is the total of its parts `improve` and `sufficient`, so when one part is
hidden the other is hidden too (the total minus a shown part would give it away).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from dashboard import queries
from dashboard.security import access
from dashboard.security.access import User
from dashboard.store import Store
from dashboard.trends import TrendFilters, privacy

WINDOW_DAYS = 365  # the checklists of the last year count
COUNTS = ("scored", "improve", "sufficient")


def improvement_shares(
    store: Store,
    user: User,
    as_of: dt.date,
    filters: TrendFilters,
    lang: str = "nl",
    parties: tuple[str, ...] = (),
) -> pd.DataFrame:
    """One row per location, programme, checklist and item with students scored in the
    WINDOW_DAYS up to `as_of` (by `parties`, all when empty): location, programme, checklist,
    item_id, position, wording (as the item reads now, in `lang`), scored, improve,
    sufficient (Int64 counts of students) and share_improve (Float64, improve / scored).
    Hidden cells are pd.NA. NotAllowed without view_trends."""
    access.ensure(user, "view_trends")
    visible, params = access.aggregate_scope_sql(user)
    sql = queries.load("checklist_shares", visible=visible)
    values = {
        **params,
        "as_of": as_of,
        "window_days": WINDOW_DAYS,
        "locations": list(filters.locations),
        "programmes": list(filters.programmes),
        "parties": list(parties),
    }
    with store.read() as cur:
        raw = cur.execute(sql, access.used_params(sql, values)).df()
    hidden = privacy.hidden(raw, "scored", ("improve", "sufficient"), privacy.threshold(store))
    out = raw[["location", "programme", "checklist", "item_id", "position"]].copy()
    out["wording"] = raw["wording_en" if lang == "en" else "wording_nl"]
    for column in COUNTS:
        out[column] = raw[column].astype("Int64").mask(hidden[column])
    out["share_improve"] = (
        out["improve"].astype("Float64") / out["scored"].astype("Float64")
    ).astype("Float64")
    return out.reset_index(drop=True)
