"""pingxiang.gongwen builds every 公文 in the layout of GB/T 9704-2012 (checked by reading
the file back with python-docx), with the issuing body and the date at the end."""

import datetime as dt

from pingxiang import gongwen
from tests.gongwen_checks import read_gongwen, texts


def test_a_document_has_the_standard_layout_and_ends_with_issuer_and_date():
    content = gongwen.build(gongwen.Document(
        title="隐患整改通知书", number="平综治〔2026〕1号", recipient="西关村民委员会",
        body=["第一段。" * 30, gongwen.Paragraph("一、整改要求", level=1), "第二段。"],
        issuer="平襄镇综治中心", date=dt.date(2026, 11, 29)))
    doc = read_gongwen(content)
    lines = texts(doc)
    assert lines[0] == "隐患整改通知书"
    assert lines[1] == "平综治〔2026〕1号" and lines[2] == "西关村民委员会："
    assert lines[-2:] == ["平襄镇综治中心", "2026年11月29日"]
    heading = next(p for p in doc.paragraphs if p.text == "一、整改要求")
    assert heading.runs[0]._r.rPr.rFonts.get(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == "黑体"
    body = next(p for p in doc.paragraphs if p.text.startswith("第一段"))
    assert body.paragraph_format.first_line_indent == 2 * 16 * 12700  # two characters


def test_a_table_is_kept_and_the_form_makes_paragraphs_of_lines():
    form = gongwen.NoticeForm({"title": "交办单", "body": "第一行\n\n 第二行 \n",
                               "issuer": "平襄镇综治中心", "date": "2026-11-29"})
    assert form.is_valid(), form.errors
    document = form.document()
    assert document.body == ["第一行", "第二行"] and document.date == dt.date(2026, 11, 29)
    document.body.append(gongwen.Table(["村", "户数"], [["西关村", 12]]))
    doc = read_gongwen(gongwen.build(document))
    assert [c.text for c in doc.tables[0].rows[1].cells] == ["西关村", "12"]


def test_the_form_refuses_an_empty_body_in_chinese():
    form = gongwen.NoticeForm({"title": "交办单", "body": "", "issuer": "x",
                               "date": "2026-11-29"})
    assert not form.is_valid() and "body" in form.errors
