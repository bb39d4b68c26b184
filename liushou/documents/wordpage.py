"""The A4 page and Chinese fonts of the Word documents built without a template (cards, due sheets)."""

from __future__ import annotations

from typing import Any


def set_cjk_font(target: Any, name: str) -> None:
    """A run's or style's font for Latin and East Asian text alike (Word reads Chinese glyphs
    from w:eastAsia, which python-docx does not set)."""
    from docx.oxml.ns import qn

    target.font.name = name  # creates rPr/rFonts
    target.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def a4_portrait(section: Any, side_mm: float, top_mm: float) -> None:
    """An A4 portrait section with these margins (left/right, top/bottom)."""
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm

    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(side_mm)
    section.top_margin = section.bottom_margin = Mm(top_mm)


def new_document(title: str, school: str, font: str, side_mm: float, top_mm: float) -> Any:
    """An empty Word document: title and school in its properties, an A4 portrait first page,
    `font` at 10.5 pt (五号) with no space after paragraphs."""
    from docx import Document
    from docx.shared import Pt

    document = Document()
    document.core_properties.title = title
    document.core_properties.author = school
    document.core_properties.last_modified_by = school
    a4_portrait(document.sections[0], side_mm, top_mm)
    normal = document.styles["Normal"]
    set_cjk_font(normal, font)
    normal.font.size = Pt(10.5)
    normal.paragraph_format.space_after = Pt(0)
    return document
