"""Checks of a 公文 .docx read back with python-docx (GB/T 9704-2012), shared by the tests of
every document the app prints."""

import io

from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm, Pt


def east_asia_font(run):
    fonts = run._r.rPr.rFonts
    return fonts.get(qn("w:eastAsia"))


def read_gongwen(content):
    """The python-docx Document of a response's content, after checking its layout."""
    doc = Document(io.BytesIO(content))
    section = doc.sections[0]
    # A4 (Word stores twips: a millimetre is within rounding)
    assert abs(section.page_width - Mm(210)) < Mm(0.1)
    assert abs(section.page_height - Mm(297)) < Mm(0.1)
    for side, mm in (("top", 37), ("bottom", 35), ("left", 28), ("right", 26)):
        assert abs(getattr(section, f"{side}_margin") - Mm(mm)) < Mm(0.1), side
    grid = section._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "linesAndChars"
    # 22 lines of 28 characters in the 156 × 225 mm type area
    line_pt = int(grid.get(qn("w:linePitch"))) / 20
    assert abs(225 / 25.4 * 72 / line_pt - 22) < 0.1
    char_pt = 16 + int(grid.get(qn("w:charSpace"))) / 4096
    assert abs(156 / 25.4 * 72 / char_pt - 28) < 0.1
    paragraphs = [p for p in doc.paragraphs if p.text.strip()]
    title = paragraphs[0].runs[0]
    assert east_asia_font(title) == "方正小标宋简体" and title.font.size == Pt(22)
    body = [r for p in paragraphs[1:] for r in p.runs]
    assert body
    for run in body:
        assert east_asia_font(run) in ("仿宋_GB2312", "黑体", "楷体_GB2312"), run.text
        assert run.font.size == Pt(16), run.text
    for p in paragraphs[1:]:
        assert abs(p.paragraph_format.line_spacing - Pt(225 / 25.4 * 72 / 22)) < Pt(0.1)
    # page numbers "— 1 —" in 宋体 四号, a PAGE field, on odd and even pages
    for footer in (section.footer, section.even_page_footer):
        xml = footer._element.xml
        assert "PAGE" in xml and "— " in footer.paragraphs[0].text
        assert all(east_asia_font(r) == "宋体" and r.font.size == Pt(14)
                   for r in footer.paragraphs[0].runs)
    return doc


def texts(doc):
    return [p.text for p in doc.paragraphs if p.text.strip()]
