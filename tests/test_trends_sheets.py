"""The trends page's downloads: CSV per chart and one workbook, neutralised against formula
injection (a location name comes from the school's data)."""

from __future__ import annotations

import csv
import io

import pandas as pd
from openpyxl import load_workbook

from dashboard.trends import sheets

FRAME = pd.DataFrame(
    {
        "Locatie": ['=HYPERLINK("http://x")', "+31 Zuid", "-x", "@SUM(A1)", "Noord"],
        "Aantal": [12, "< 5", 7, 0, -3],
        "Aandeel": [0.5, None, 0.25, 0.0, 1.0],
    }
)


def test_csv_cells_that_would_run_as_a_formula_start_with_an_apostrophe():
    rows = list(csv.reader(io.StringIO(sheets.csv_bytes(FRAME).decode("utf-8-sig"))))
    assert rows[0] == ["Locatie", "Aantal", "Aandeel"]
    assert [r[0] for r in rows[1:]] == [
        '\'=HYPERLINK("http://x")',
        "'+31 Zuid",
        "'-x",
        "'@SUM(A1)",
        "Noord",
    ]
    assert [r[1] for r in rows[1:]] == ["12", "< 5", "7", "0", "-3"]  # numbers stay numbers
    assert rows[2][2] == ""  # a gap stays empty


def test_the_workbook_has_a_sheet_per_figure_and_no_formula():
    data = sheets.workbook_bytes(
        {"Uitval per maand": FRAME, "Cohortcurve: nog ingeschreven": FRAME}
    )
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Uitval per maand", "Cohortcurve  nog ingeschreven"]
    sheet = book["Uitval per maand"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == ["Locatie", "Aantal", "Aandeel"]
    assert values[1][0] == '\'=HYPERLINK("http://x")' and sheet["A2"].data_type == "s"
    assert values[2][1] == "< 5" and values[5][1] == -3 and values[1][2] == 0.5
