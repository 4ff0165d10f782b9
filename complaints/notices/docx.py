"""A `Notice` as a Word file (A4, the layout of Nghị định 30/2020/NĐ-CP), from the same strings
as its HTML page."""

from __future__ import annotations

import io

from complaints.notices.render import (
    MOTTO,
    MOTTO_SUB,
    Notice,
)

# --- .docx ---------------------------------------------------------------------------------------


def _docx_para(container, text: str, *, bold=False, italic=False, underline=False,
               size=None, align=None, indent=False, after=0, reuse=False):  # fmt: skip
    """Add a paragraph of one run; `reuse` writes into the empty paragraph a new cell has."""
    from docx.shared import Mm, Pt

    p = container.paragraphs[0] if reuse else container.add_paragraph()
    if text:
        run = p.add_run(text)
        run.bold, run.italic, run.underline = bold, italic, underline
        if size:
            run.font.size = Pt(size)
    if align is not None:
        p.alignment = align
    if indent:
        p.paragraph_format.first_line_indent = Mm(12.7)
    p.paragraph_format.space_after = Pt(after)
    return p


def _docx_columns(doc, widths):
    """A borderless one-row table with fixed column widths (header and signature blocks)."""
    table = doc.add_table(rows=1, cols=len(widths))
    table.autofit = False
    for column, cell, width in zip(table.columns, table.rows[0].cells, widths, strict=True):
        column.width = cell.width = width
    return table.rows[0].cells


def to_docx(notice: Notice) -> bytes:
    """The notice as a Word document (A4 portrait, Times New Roman, NĐ 30/2020 layout)."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    center, justify = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.JUSTIFY
    para = _docx_para
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    normal = doc.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(13)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "Times New Roman")
    normal.paragraph_format.space_after = Pt(0)
    props = doc.core_properties
    props.title = " ".join(x for x in (notice.title, notice.subtitle) if x)
    props.author = props.last_modified_by = notice.issuer
    props.comments = props.subject = props.keywords = ""

    # Issuer and number on the left, motto and place-date on the right.
    left, right = _docx_columns(doc, (Mm(68), Mm(97)))
    if notice.issuer_parent:
        para(left, notice.issuer_parent, size=12, align=center, reuse=True)
    para(left, notice.issuer, bold=True, size=12, align=center, reuse=not notice.issuer_parent)
    para(left, "———", align=center)
    para(left, notice.number_line, align=center)
    para(right, MOTTO, bold=True, size=12, align=center, reuse=True)
    para(right, MOTTO_SUB, bold=True, underline=True, align=center)
    para(right, "", align=center)
    para(right, notice.place_date, italic=True, align=center)

    para(doc, "", after=6)
    para(doc, notice.title, bold=True, size=14, align=center)
    if notice.subtitle:
        para(doc, notice.subtitle, bold=True, align=center)
    para(doc, "———", align=center, after=6)
    for i, line in enumerate(notice.addressee):
        para(doc, f"Kính gửi: {line}" if i == 0 else line, align=center, after=3)
    if notice.addressee:
        para(doc, "", after=3)
    for p in notice.paragraphs:
        if p.style == "heading":
            para(doc, p.text, bold=True, align=center, after=6)
        elif p.style == "item":
            para(doc, f"- {p.text}", align=justify, indent=True, after=3)
        else:
            para(doc, p.text, align=justify, indent=True, after=6)

    # Recipients on the left, the signature block on the right.
    para(doc, "", after=6)
    left, right = _docx_columns(doc, (Mm(80), Mm(85)))
    para(left, "Nơi nhận:", bold=True, italic=True, size=12, reuse=True)
    for r in notice.recipients:
        para(left, f"- {r}", size=11)
    s = notice.signer
    above = [line for line in (s.authority, s.on_behalf) if line]
    for i, line in enumerate(above):
        para(right, line, bold=True, align=center, reuse=i == 0)
    para(right, s.title, bold=True, align=center, reuse=not above)
    para(right, "(Ký, ghi rõ họ tên, đóng dấu)", italic=True, align=center)
    for _ in range(4):
        para(right, "", align=center)
    para(right, s.name, bold=True, align=center)

    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
