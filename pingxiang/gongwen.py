"""Official documents (公文) as .docx in the layout of GB/T 9704-2012 《党政机关公文格式》:
the one builder every notice and the 工作简报 use, so each app only says what its document
says (a Document), never how it is laid out.

The layout: A4; margins 37 mm top, 35 mm bottom, 28 mm left, 26 mm right (a type area of
156 × 225 mm); the title in 方正小标宋简体 二号 (22 pt), centred; the body in 仿宋_GB2312 三号
(16 pt), 22 lines of 28 characters (a line pitch of 225 mm / 22 and a character grid of
156 mm / 28); first-level headings in 黑体, second-level in 楷体_GB2312; the page number
"— 1 —" in 宋体 四号 (14 pt) below the type area, odd pages right and even pages left, one
character in from the edge (a PAGE field, so Word counts the pages); the issuing body and the
date (in Arabic numerals, 2026年11月29日) at the end, the date four characters in from the
right. The fonts are named, not embedded: a machine without them shows its fallback, as with
every 公文 written in Word.
"""

import datetime as dt
import io
from dataclasses import dataclass, field
from urllib.parse import quote

from django import forms
from django.http import HttpResponse
from django.shortcuts import render

from pingxiang.bounds import BoundedDateField
from pingxiang.listfilters import DATE

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONTS = {1: "黑体", 2: "楷体_GB2312"}
PAGE_NUMBER_FONT = "宋体"
TITLE_SIZE = 22  # 二号
BODY_SIZE = 16  # 三号
PAGE_NUMBER_SIZE = 14  # 四号
TABLE_SIZE = 12  # 小四: a table is allowed a smaller size so its columns fit

MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
LINES_PER_PAGE = 22
CHARS_PER_LINE = 28
TYPE_AREA_MM = (156, 225)  # width, height

_PT_PER_MM = 72 / 25.4
LINE_PITCH_PT = TYPE_AREA_MM[1] * _PT_PER_MM / LINES_PER_PAGE  # 28.95 pt
CHAR_PITCH_PT = TYPE_AREA_MM[0] * _PT_PER_MM / CHARS_PER_LINE  # 15.79 pt


@dataclass
class Paragraph:
    """A paragraph of the body; level 1 or 2 makes it a heading (一、 / （一）)."""

    text: str
    level: int = 0


@dataclass
class Table:
    headers: list
    rows: list  # lists of values, one per header


@dataclass
class Document:
    title: str
    body: list = field(default_factory=list)  # str, Paragraph or Table, in order
    issuer: str = ""  # 发文机关署名
    date: dt.date | None = None  # 成文日期
    recipient: str = ""  # 主送机关 ("西关村民委员会"); a colon is added
    number: str = ""  # 发文字号, shown under the title when given
    subtitle: str = ""  # a line under the title (a briefing's period), centred, in 楷体


def chinese_date(day):
    """2026年11月29日: GB/T 9704-2012 writes the date in Arabic numerals, no leading zeros."""
    return f"{day.year}年{day.month}月{day.day}日"


def paragraphs(text):
    """The body paragraphs of a text typed in a form: one per non-empty line."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def build(document):
    """The .docx of a Document, as bytes."""
    # lazy: python-docx (about 20 MB with lxml) only in the process that writes a document
    from docx import Document as WordDocument
    from docx.enum.section import WD_ORIENT
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    doc = WordDocument()

    def set_fonts(run_or_style, name, size, *, bold=False):
        font = run_or_style.font
        font.name = name
        font.size = Pt(size)
        font.bold = bold
        rpr = run_or_style.element.get_or_add_rPr()
        fonts = rpr.get_or_add_rFonts()
        for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            fonts.set(qn(attr), name)

    def exact_lines(fmt, pitch=LINE_PITCH_PT):
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(pitch)
        fmt.space_before = fmt.space_after = Pt(0)

    # The page: A4, the standard's margins, a grid of 22 lines × 28 characters.
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    section.header_distance = Mm(15)
    # The page number's top edge sits 7 mm below the type area: 35 - 7 - one 14-pt line.
    section.footer_distance = Mm(MARGINS_MM["bottom"] - 7 - 5)
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    grid.set(qn("w:type"), "linesAndChars")
    grid.set(qn("w:linePitch"), str(round(LINE_PITCH_PT * 20)))
    # Word's charSpace: the grid's character pitch less the default font size, in 1/4096 pt.
    grid.set(qn("w:charSpace"), str(round((CHAR_PITCH_PT - BODY_SIZE) * 4096)))

    normal = doc.styles["Normal"]
    set_fonts(normal, BODY_FONT, BODY_SIZE)
    exact_lines(normal.paragraph_format)
    normal.paragraph_format.first_line_indent = None

    def para(text="", *, font=BODY_FONT, size=BODY_SIZE, bold=False, align=None, indent=0,
             right_indent=0, pitch=LINE_PITCH_PT):
        p = doc.add_paragraph()
        exact_lines(p.paragraph_format, pitch)
        if align is not None:
            p.alignment = align
        if indent:
            p.paragraph_format.first_line_indent = Pt(size * indent)
        if right_indent:
            p.paragraph_format.right_indent = Pt(BODY_SIZE * right_indent)
        if text:
            set_fonts(p.add_run(text), font, size, bold=bold)
        return p

    # The title, with an empty line above it (the standard's 空二行 under a missing 版头 is
    # left to the document's head, which a township prints on its own letter paper).
    title_pitch = max(LINE_PITCH_PT, TITLE_SIZE * 1.3)
    para(document.title, font=TITLE_FONT, size=TITLE_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER,
         pitch=title_pitch)
    if document.number:
        para(document.number, align=WD_ALIGN_PARAGRAPH.CENTER)
    if document.subtitle:
        para(document.subtitle, font=HEADING_FONTS[2], align=WD_ALIGN_PARAGRAPH.CENTER)
    para()  # one line between the title and the 主送机关 / body
    if document.recipient:
        para(f"{document.recipient}：")

    for item in document.body:
        if isinstance(item, Table):
            add_table(doc, item, set_fonts=set_fonts, exact_lines=exact_lines, Pt=Pt,
                      align=WD_TABLE_ALIGNMENT.CENTER, center=WD_ALIGN_PARAGRAPH.CENTER)
            continue
        if isinstance(item, str):
            item = Paragraph(item)
        font = HEADING_FONTS.get(item.level, BODY_FONT)
        para(item.text, font=font, indent=2)

    # The issuing body and the date at the end: 署名 centred over the date, the date four
    # characters in from the right (GB/T 9704-2012 7.3.5).
    if document.issuer or document.date:
        para()
        date_text = chinese_date(document.date) if document.date else ""
        width = max(len(document.issuer), len(date_text))
        if document.issuer:
            # centred over the date: pad the shorter line by half the difference
            pad = 4 + max(0, (len(date_text) - len(document.issuer)) / 2)
            para(document.issuer, align=WD_ALIGN_PARAGRAPH.RIGHT, right_indent=pad)
        if date_text:
            pad = 4 + max(0, (width - len(date_text)) / 2)
            para(date_text, align=WD_ALIGN_PARAGRAPH.RIGHT, right_indent=pad)

    # Page numbers "— 1 —": odd pages on the right, even pages on the left, one character
    # in (14 pt), a PAGE field.
    doc.settings.odd_and_even_pages_header_footer = True
    for footer, align, side in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT, "right"),
                                (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "left")):
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0]
        p.alignment = align
        setattr(p.paragraph_format, f"{side}_indent", Pt(PAGE_NUMBER_SIZE))
        set_fonts(p.add_run("— "), PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE)
        _page_field(p, set_fonts, OxmlElement, qn)
        set_fonts(p.add_run(" —"), PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE)

    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _page_field(paragraph, set_fonts, OxmlElement, qn):  # noqa: N803 (python-docx names)
    """A PAGE field (begin, instruction, separate, a placeholder "1", end)."""
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"),
                       ("end", None)):
        run = paragraph.add_run()
        set_fonts(run, PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE)
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        elif text == " PAGE ":
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        else:
            element = OxmlElement("w:t")
            element.text = text
        run._r.append(element)


def add_table(doc, table, *, set_fonts, exact_lines, Pt, align, center):  # noqa: N803
    grid = doc.add_table(rows=1, cols=len(table.headers))
    grid.style = "Table Grid"
    grid.alignment = align

    def fill(cell, value, bold=False):
        p = cell.paragraphs[0]
        exact_lines(p.paragraph_format, TABLE_SIZE * 1.5)
        p.alignment = center
        set_fonts(p.add_run("" if value is None else str(value)), BODY_FONT, TABLE_SIZE,
                  bold=bold)

    for cell, text in zip(grid.rows[0].cells, table.headers, strict=True):
        fill(cell, text, bold=True)
    for values in table.rows:
        for cell, value in zip(grid.add_row().cells, values, strict=True):
            fill(cell, value)


def docx_response(content, filename):
    """A download response for a document made by build()."""
    response = HttpResponse(content, content_type=DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


class NoticeForm(forms.Form):
    """A notice as it will be printed, prefilled from the record (each app's notice function
    gives the initial values) and editable before the .docx is made."""

    title = forms.CharField(label="标题", max_length=60)
    number = forms.CharField(label="文号/编号", max_length=60, required=False)
    recipient = forms.CharField(label="主送单位/对象", max_length=100, required=False)
    body = forms.CharField(label="正文（每行一段）", max_length=8000,
                           widget=forms.Textarea(attrs={"rows": 16}))
    issuer = forms.CharField(label="落款单位", max_length=60)
    date = BoundedDateField(label="成文日期", widget=DATE)

    def document(self):
        """The Document of the submitted (valid) form."""
        d = self.cleaned_data
        return Document(title=d["title"], number=d["number"], recipient=d["recipient"],
                        body=paragraphs(d["body"]), issuer=d["issuer"], date=d["date"])


def notice_page(request, *, initial, filename, back_url, kind):
    """The one view body of every printable notice: GET shows the form prefilled with
    `initial` (from the record); a valid POST returns the .docx, an invalid one the form
    with its errors. Changes nothing: a notice is printed, not recorded."""
    form = NoticeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        return docx_response(build(form.document()), filename)
    return render(request, "gongwen/notice.html", {"form": form, "kind": kind,
                                                   "back_url": back_url})
