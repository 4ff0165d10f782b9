"""How every workbook the app writes prints: A4, the orientation its width needs, the header
rows repeated on every page, the columns fitted to the page's width (issue 14, item 14).

Set on an openpyxl worksheet, write-only ones too; openpyxl itself is not imported here (the
register export imports it only when it writes)."""

from __future__ import annotations

A4 = "9"  # the paper size code of the Office Open XML format (openpyxl's PAPERSIZE_A4)
LANDSCAPE, PORTRAIT = "landscape", "portrait"


def print_setup(ws, *, landscape: bool, title_rows: tuple[int, int] | None = None) -> None:
    """A4, landscape for a wide form (portrait otherwise), rows `title_rows` (first, last)
    printed again at the top of every page, every column on the page's width and as many
    pages down as the rows need."""
    ws.page_setup.paperSize = A4
    ws.page_setup.orientation = LANDSCAPE if landscape else PORTRAIT
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # 0: as many pages as needed
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if title_rows is not None:
        first, last = title_rows
        ws.print_title_rows = f"{first}:{last}"
