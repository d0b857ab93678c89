"""Issue 16 §2, "uploads run as script": a grid worker's visit photo `photo.html` that began
with GIF89a and carried <script src=...>, opened by a centre user, ran as a page of the app.

Every upload path (visit, hazard and centre photos, supervision evidence, petition and case
attachments) is tried here with polyglots, and every file is opened by every role of the
trust world: whoever may open it gets the sniffed type (never HTML, JavaScript or SVG),
`nosniff`, a sandboxing CSP, and `attachment` unless it is a re-encoded raster image; the
stored name has the sniffed extension and an image's trailing payload is gone.
(pingxiang.uploads; the command that re-checks stored files: test_check_uploads.py)
"""

import io
import re
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from pingxiang.uploads import FILE_CSP, MAX_SIDE, validate_upload
from tests.images import decoded, image_bytes
from tests.trust.world import ROLES

PAYLOAD = b"<html><body><script src=\"/grids/visits/1/photo/\"></script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="fetch(\'/petitions/\')"></svg>'
MARKUP = re.compile(rb"<\s*(script|html|svg|body)", re.I)

# the name the user gave, the bytes (a real picture or a PDF header with something after it),
# the extension it must be stored under.
POLYGLOTS = {
    "gif+html named .html": ("photo.html", image_bytes("GIF") + PAYLOAD, "png"),
    "png+js named .js": ("photo.js", image_bytes("PNG") + b"\nfetch('/petitions/')//", "png"),
    "jpeg+svg named .svg": ("photo.svg", image_bytes("JPEG") + SVG, "jpg"),
    "webp+html named .htm": ("photo.htm", image_bytes("WEBP") + PAYLOAD, "webp"),
    "png+html named .png": ("photo.png", image_bytes("PNG") + PAYLOAD, "png"),
    "pdf+html named .html": ("scan.html", b"%PDF-1.4\n" + PAYLOAD + b"\n%%EOF\n", "pdf"),
}
BAD_TYPES = ("text/html", "javascript", "svg", "xml", "text/")
IMAGE_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


def _visit(world, files):
    place = world.places["xg"]
    data = {"idempotency_key": str(uuid.uuid4()), "visited_on": timezone.localdate().isoformat(),
            "visit_type": "常规走访", "findings": ["无异常"], "notes": "", "companions": "",
            "persons_met_other": "", "photo": files[0]}
    return "grid", reverse("grids:visit_new", args=[place.household.pk]), data


def _hazard(world, files):
    place = world.places["xg"]
    return ("centre", reverse("rectification:hazard_photo_add", args=[place.hazard.pk]),
            {"stage": "before", "photo": files})


def _centre(world, files):
    place = world.places["xg"]
    return ("centre", reverse("rectification:centre_photo_add", args=[place.centre.pk]),
            {"photo": files, "caption": ""})


def _evidence(world, files):
    place = world.places["xg"]
    return ("supervisor", reverse("rectification:issue_evidence_add", args=[place.issue.pk]),
            {"evidence": files})


def _petition(world, files):
    place = world.places["xg"]
    return ("centre", reverse("petitions:action", args=[place.petition.pk, "attach"]),
            {"files": files})


def _case(world, files):
    place = world.places["xg"]
    return ("centre", reverse("cases:case_attach", args=[place.case.pk]),
            {"kind": "other", "file": files[0]})


def _latest(model, **where):
    return model.objects.filter(**where).order_by("-pk").first()


def _stored_visit(world):
    from grids.models import Visit

    visit = _latest(Visit, household=world.places["xg"].household)
    return visit and visit.photo and (visit.photo, reverse("grids:visit_photo", args=[visit.pk]))


def _stored_hazard(world):
    from rectification.models import HazardPhoto

    photo = _latest(HazardPhoto, hazard=world.places["xg"].hazard)
    return photo.file, reverse("rectification:hazard_photo", args=[photo.pk])


def _stored_centre(world):
    from rectification.models import CentrePhoto

    photo = _latest(CentrePhoto, centre=world.places["xg"].centre)
    return photo.file, reverse("rectification:centre_photo", args=[photo.pk])


def _stored_evidence(world):
    from rectification.models import IssueEvidence

    evidence = _latest(IssueEvidence, item=world.places["xg"].issue)
    return evidence.file, reverse("rectification:evidence_file", args=[evidence.pk])


def _stored_petition(world):
    from petitions.models import Attachment

    petition = world.places["xg"].petition
    a = _latest(Attachment, petition=petition)
    return a.file, reverse("petitions:attachment", args=[petition.pk, a.pk])


def _stored_case(world):
    from cases.models import Attachment

    case = world.places["xg"].case
    a = _latest(Attachment, case=case)
    return a.file, reverse("cases:attachment_download", args=[case.pk, a.pk])


# path -> (how to post, the newest stored file and its URL, accepts PDF)
PATHS = {
    "visit photo": (_visit, _stored_visit, False),
    "hazard photo": (_hazard, _stored_hazard, False),
    "centre photo": (_centre, _stored_centre, False),
    "supervision evidence": (_evidence, _stored_evidence, True),
    "petition attachment": (_petition, _stored_petition, True),
    "case attachment": (_case, _stored_case, True),
}
OPENED = []  # (path, polyglot, role) that were served, for the count in the report


def _open_as_every_role(world, url):
    served = {}
    for role in ROLES:
        response = world.clients[role].get(url)
        if response.status_code == 200:
            served[role] = response
    return served


def _body(response):
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("polyglot", sorted(POLYGLOTS))
@pytest.mark.parametrize("path", sorted(PATHS))
def test_polyglot_uploads_are_stored_by_content_and_never_served_as_a_page(wdb, path,
                                                                           polyglot):
    post, stored, accepts_pdf = PATHS[path]
    name, content, expected_ext = POLYGLOTS[polyglot]
    is_pdf = expected_ext == "pdf"
    before = stored(wdb)
    role, url, data = post(wdb, [SimpleUploadedFile(name, content, content_type="text/html")])
    response = wdb.clients[role].post(url, data)
    assert response.status_code in (200, 302), (path, response.status_code)
    after = stored(wdb)
    if is_pdf and not accepts_pdf:
        assert after == before or (after and after[1] == before[1]), "a PDF taken as a photo"
        return
    assert after and after != before, f"{path}: the upload was not stored"
    field_file, download = after

    # Stored under the extension of what the bytes are; an image re-encoded, payload gone.
    ext = field_file.name.rsplit(".", 1)[-1]
    with field_file.open("rb") as fh:
        stored_bytes = fh.read()
    assert ext == expected_ext, field_file.name
    if not is_pdf:
        assert not MARKUP.search(stored_bytes), "the trailing payload survived re-encoding"
        assert b"fetch(" not in stored_bytes
        fmt, size, _pixel = decoded(stored_bytes)
        assert FORMATS[fmt] == ext and size == (1, 1)

    # Opened by every role that may open it: the same safe headers for each.
    served = _open_as_every_role(wdb, download)
    assert "centre" in served or "supervisor" in served, f"{path}: nobody could open it"
    for who, response in served.items():
        OPENED.append((path, polyglot, who))
        ctype = response["Content-Type"]
        assert not any(bad in ctype for bad in BAD_TYPES), (who, ctype)
        assert response["X-Content-Type-Options"] == "nosniff", who
        assert response["Content-Security-Policy"] == FILE_CSP, who
        disposition = response["Content-Disposition"]
        if is_pdf:
            assert ctype == "application/pdf" and disposition.startswith("attachment"), who
            assert re.search(r'filename="?[^"]*\.pdf"?$', disposition), disposition
        else:
            assert ctype == IMAGE_TYPES[ext], (who, ctype)
            assert disposition.startswith("inline"), (who, disposition)
            assert _body(response) == stored_bytes
        assert ".html" not in disposition and ".js" not in disposition and \
               ".svg" not in disposition, disposition


def _store_raw(field_file, name, content):
    """A file as uploads were stored before issue 16 §2: the user's extension, the bytes as
    sent (no validation, no re-encoding)."""
    field_file.save(name, ContentFile(content), save=True)


@pytest.mark.parametrize("name,content,ctype", [
    ("photo.html", image_bytes("GIF") + PAYLOAD, "image/gif"),
    ("photo.png", PAYLOAD, "application/octet-stream"),
    ("photo.svg", SVG, "application/octet-stream"),
    ("photo.jpg", image_bytes("PNG") + PAYLOAD, "image/png"),  # a PNG under .jpg
    ("scan.pdf", b"%PDF-1.4\n" + PAYLOAD, "application/pdf"),
], ids=["gif named html", "html named png", "svg", "png named jpg", "pdf"])
def test_files_stored_before_the_fix_are_served_by_their_bytes_as_downloads(wdb, name,
                                                                          content, ctype):
    place = wdb.places["xg"]
    _store_raw(place.hazard_photo.file, name, content)
    assert place.hazard_photo.file.name.endswith(name.rsplit(".", 1)[-1])
    url = reverse("rectification:hazard_photo", args=[place.hazard_photo.pk])
    served = _open_as_every_role(wdb, url)
    assert "centre" in served
    for who, response in served.items():
        assert response["Content-Type"] == ctype, who
        assert response["Content-Disposition"].startswith("attachment"), who
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"] == FILE_CSP
        ext = {"image/gif": "gif", "image/png": "png", "application/pdf": "pdf"}.get(ctype, "bin")
        assert response["Content-Disposition"].endswith(f'.{ext}"'), \
            response["Content-Disposition"]


def test_a_background_export_is_served_by_the_same_function(wdb):
    from rectification.models import ExportJob

    job = ExportJob.objects.filter(requested_by=wdb.users["centre"]).first()
    response = wdb.clients["centre"].get(reverse("rectification:export_download",
                                                 args=[job.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == FILE_CSP


# --- Re-encoding, at the function every form and action calls --------------------------------

def _jpeg_with_exif(size, orientation):
    img = Image.new("RGB", size, (255, 0, 0))
    img.paste((0, 0, 255), (0, 0, size[0] // 2, size[1]))  # left half blue
    exif = img.getexif()
    exif[0x0112] = orientation
    exif[0x010F] = "CameraMaker"
    exif[0x8825] = {1: "N", 2: (34.0, 58.0, 0.0)}  # GPS: where the photo was taken
    buffer = io.BytesIO()
    img.save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def test_an_image_is_turned_upright_stripped_of_exif_and_scaled_to_the_long_side():
    content = _jpeg_with_exif((3000, 1000), orientation=6)  # a phone held upright
    assert b"CameraMaker" in content
    clean = validate_upload(SimpleUploadedFile("IMG_0001.JPEG", content), kinds=("image",))
    data = clean.read()
    assert clean.name == "IMG_0001.jpg" and clean.content_type == "image/jpeg"
    assert b"CameraMaker" not in data and b"Exif" not in data
    with Image.open(io.BytesIO(data)) as img:
        assert img.size == (683, MAX_SIDE)  # rotated to portrait, long side 2048
        assert not img.getexif()
        top = img.convert("RGB").getpixel((img.width // 2, 5))
        assert top[2] > 200 and top[0] < 60  # the blue left half is now on top


def test_gif_is_accepted_as_a_png_of_its_first_frame():
    clean = validate_upload(SimpleUploadedFile("动图.gif", image_bytes("GIF") + PAYLOAD))
    assert clean.name == "动图.png" and clean.content_type == "image/png"
    assert decoded(clean.read())[0] == "PNG"


def test_checking_twice_reencodes_once_and_a_broken_image_is_refused():
    clean = validate_upload(SimpleUploadedFile("a.png", image_bytes("PNG")))
    assert validate_upload(clean) is clean  # the form's check, then the action's
    with pytest.raises(ValidationError, match="不是完整的图片"):
        validate_upload(SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64))
    with pytest.raises(ValidationError, match="类型不受支持"):
        validate_upload(SimpleUploadedFile("a.svg", SVG))


def test_a_pdf_keeps_its_bytes_but_not_its_name():
    content = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
    clean = validate_upload(SimpleUploadedFile("../../协议<script>.html", content))
    assert clean.name == "协议_script.pdf" and clean.content_type == "application/pdf"
    assert clean.read() == content
