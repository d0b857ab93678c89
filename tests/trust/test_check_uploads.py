"""`manage.py check_uploads [--quarantine]`: files stored before issue 16 §2 (the user's
extension, bytes as sent) are found, reported and, when asked, moved out of reach."""

import io
import os
import uuid

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from pingxiang.models import AuditEvent
from tests.images import image_bytes, png_bytes

pytestmark = pytest.mark.django_db
PAYLOAD = b"<html><script src=/x.js></script></html>"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def stored(cast, media):
    """A clean visit photo uploaded today, and four stored the old way."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from grids.actions import create_household, record_visit
    from rectification.actions import register_hazard
    from rectification.models import Hazard, HazardCategory

    household = create_household(grid=cast.xiguan_grid, house_number="9", head_name="户主",
                                 actor=cast.cadre_xiguan)

    def visit(photo=None):
        v, _ = record_visit(actor=cast.grid_xiguan, idempotency_key=uuid.uuid4(),
                            visited_on=timezone.localdate(), visit_type="常规走访",
                            findings=["无异常"], household=household, photo=photo)
        return v

    good = visit(SimpleUploadedFile("院墙.png", png_bytes()))
    gif_as_html = visit()
    gif_as_html.photo.save("photo.html", ContentFile(image_bytes("GIF") + PAYLOAD))
    missing = visit()
    missing.photo.save("gone.png", ContentFile(png_bytes()))
    os.remove(missing.photo.path)
    hazard = register_hazard(actor=cast.centre, source=Hazard.Source.INSPECTION,
                             category=HazardCategory.objects.first(), area=cast.xiguan_grid,
                             description="堵塞", found_date=timezone.localdate(),
                             photos=[SimpleUploadedFile("a.png", png_bytes()),
                                     SimpleUploadedFile("b.png", png_bytes())])
    markup_in_png, unknown = hazard.photos.order_by("pk")
    markup_in_png.file.save("photo.png", ContentFile(png_bytes() + PAYLOAD))
    unknown.file.save("photo.png", ContentFile(b"<svg onload=alert(1)>"))
    return dict(good=good, gif_as_html=gif_as_html, missing=missing,
                markup_in_png=markup_in_png, unknown=unknown)


def test_check_reports_each_bad_file_and_fails_without_changing_anything(stored):
    out = io.StringIO()
    with pytest.raises(CommandError, match="发现 4 个有问题的文件") as failed:
        call_command("check_uploads", stdout=out)
    assert failed.value.returncode == 1  # manage.py exits non-zero
    lines = out.getvalue().splitlines()
    expected = {
        "gif_as_html": ("grids.Visit", "photo", "扩展名 .html 与内容（gif）不符"),
        "missing": ("grids.Visit", "photo", "文件不存在"),
        "markup_in_png": ("rectification.HazardPhoto", "file", "含有网页标记 <html"),
        "unknown": ("rectification.HazardPhoto", "file", "无法识别的文件类型"),
    }
    for key, (label, field, reason) in expected.items():
        obj = stored[key]
        path = getattr(obj, field).name
        assert f"{label} #{obj.pk} {field} {path}：{reason}" in lines, (key, lines)
    assert len(lines) == 4 and stored["good"].photo.name not in out.getvalue()
    stored["gif_as_html"].refresh_from_db()
    assert stored["gif_as_html"].photo.name.endswith(".html")


def test_quarantine_moves_them_out_clears_the_field_and_the_next_check_passes(
        stored, media, login, cast):
    gif = stored["gif_as_html"]
    old_name = gif.photo.name
    out = io.StringIO()
    call_command("check_uploads", "--quarantine", stdout=out)
    assert "共隔离 4 个文件" in out.getvalue()
    assert (media / "quarantine" / old_name).exists()
    assert not (media / old_name).exists()
    gif.refresh_from_db()
    assert not gif.photo
    assert login(cast.centre).get(reverse("grids:visit_photo", args=[gif.pk])).status_code == 404
    photo = stored["unknown"]
    photo.refresh_from_db()
    assert not photo.file
    assert login(cast.centre).get(
        reverse("rectification:hazard_photo", args=[photo.pk])).status_code == 404
    events = AuditEvent.objects.filter(action="upload.quarantine")
    assert events.count() == 4 and any(old_name in e.reason for e in events)
    stored["good"].refresh_from_db()
    assert stored["good"].photo  # the clean one stays
    out = io.StringIO()
    call_command("check_uploads", stdout=out)
    assert "所有上传文件检查通过" in out.getvalue()
