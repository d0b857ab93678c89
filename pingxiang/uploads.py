"""Uploaded files (photos, scanned agreements, documents): checked by content, never by name,
stored under a name with the extension of what the bytes are, and served only by serve_file,
from views that fetched the owning record through its access function.

Issue 16 §2: a "photo" named photo.html that began with GIF89a was stored as .html and served
inline as text/html, so it ran as a page of the app. Three things together stop that:
- validate_upload (called by the forms, again by the actions) sniffs the bytes, re-encodes
  every image with Pillow (which drops anything appended to it, and its EXIF) and renames the
  upload to the sniffed extension;
- serve_file takes the type from the stored bytes, serves inline only a JPEG, PNG or WebP whose
  stored name agrees, everything else as an attachment, always with nosniff and a sandboxing CSP;
- `manage.py check_uploads` finds files stored before this and can quarantine them.
"""

import io
import os
import re
import shutil
import unicodedata
import uuid
import zipfile
from typing import NamedTuple

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import FileField
from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from PIL import Image, ImageOps, UnidentifiedImageError

from pingxiang import audit


class Sniffed(NamedTuple):
    kind: str  # "image", "pdf", "office", "zip"
    ext: str
    content_type: str


_JPEG = Sniffed("image", "jpg", "image/jpeg")
_PNG = Sniffed("image", "png", "image/png")
_WEBP = Sniffed("image", "webp", "image/webp")
_GIF = Sniffed("image", "gif", "image/gif")
# (magic prefix, what it is). GIF is recognised so it can be converted: see _encode.
_SIGNATURES = [
    (b"\xff\xd8\xff", _JPEG),
    (b"\x89PNG\r\n\x1a\n", _PNG),
    (b"GIF87a", _GIF),
    (b"GIF89a", _GIF),
    (b"%PDF-", Sniffed("pdf", "pdf", "application/pdf")),
]
ZIP_MAGIC = b"PK\x03\x04"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_OFFICE = [("xl/workbook.xml", Sniffed("office", "xlsx", XLSX_CONTENT_TYPE)),
           ("word/document.xml", Sniffed("office", "docx", DOCX_CONTENT_TYPE))]
_ZIP = Sniffed("zip", "zip", "application/zip")

# The only types a browser may show in the page: rasters it decodes as pictures, never run.
INLINE_EXTENSIONS = {"jpg", "png", "webp"}
KIND_LABELS = {"image": "图片（JPG、PNG、WebP、GIF）", "pdf": "PDF 文件"}

MAX_SIDE = 2048  # an image's long side after upload, in pixels
MAX_PIXELS = 64_000_000  # refused before decoding: a 50-megapixel phone photo passes
FILE_CSP = "default-src 'none'; sandbox"


def sniff(head):
    """What the first bytes say the file is (a Sniffed), or None. A zip is only "zip" here:
    sniff_file looks inside to tell a workbook from a document."""
    for magic, found in _SIGNATURES:
        if head.startswith(magic):
            return found
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return _WEBP
    if head.startswith(ZIP_MAGIC):
        return _ZIP
    return None


def sniff_file(fileobj):
    """sniff() for a whole seekable file; leaves it at the start."""
    fileobj.seek(0)
    found = sniff(fileobj.read(16))
    if found is _ZIP:
        try:
            fileobj.seek(0)
            with zipfile.ZipFile(fileobj) as zf:
                names = set(zf.namelist())
            found = next((office for name, office in _OFFICE if name in names), _ZIP)
        except (zipfile.BadZipFile, OSError, ValueError):
            found = _ZIP
    fileobj.seek(0)
    return found


_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|;]+')


def safe_name(name, ext):
    """A download name: the user's stem, without path, control or shell-special characters,
    and the extension of what the file really is ("photo.html" holding a PNG → "photo.png")."""
    stem = os.path.splitext(os.path.basename((name or "").replace("\\", "/")))[0]
    stem = unicodedata.normalize("NFC", _UNSAFE_NAME.sub("_", stem)).strip(" ._")[:80]
    return f"{stem or 'file'}.{ext}"


def _stored_ext(name):
    return os.path.splitext(name or "")[1].lower().lstrip(".")


# --- Upload ----------------------------------------------------------------------------------

def validate_upload(upload, *, kinds=("image", "pdf"), max_bytes=None):
    """Check an upload by its content and size, and return the file to store in its place:
    an image re-encoded by Pillow (GIF becomes PNG), a PDF as sent; either named by its
    sniffed extension, with .content_type the sniffed type and .sniffed set. Raises
    ValidationError in Chinese. Returns a file it has already checked unchanged, so a form and
    then its action may both call it."""
    checked = getattr(upload, "sniffed", None)
    if isinstance(checked, Sniffed) and checked.kind in kinds:
        return upload
    max_bytes = max_bytes or settings.UPLOAD_MAX_BYTES
    if upload is None:
        raise ValidationError("请选择要上传的文件。", code="missing")
    if upload.size > max_bytes:
        raise ValidationError(
            f"文件“{upload.name}”大小为 {upload.size / 1024 / 1024:.1f} MB，"
            f"超过上限 {max_bytes / 1024 / 1024:.0f} MB。", code="too_large")
    if upload.size == 0:
        raise ValidationError(f"文件“{upload.name}”是空文件。", code="empty")
    upload.seek(0)
    found = sniff(upload.read(16))
    upload.seek(0)
    allowed = "、".join(KIND_LABELS[k] for k in kinds)
    if found is None or found.kind not in kinds:
        raise ValidationError(
            f"文件“{upload.name}”的类型不受支持（按文件内容识别，改扩展名无效），"
            f"只能上传{allowed}。", code="bad_type")
    if found.kind == "image":
        content, found = _encode(upload)
        clean = SimpleUploadedFile(safe_name(upload.name, found.ext), content,
                                   content_type=found.content_type)
    else:
        clean = upload
        clean.name = safe_name(upload.name, found.ext)
        clean.content_type = found.content_type
    clean.sniffed = found
    return clean


def _encode(upload):
    """(bytes, Sniffed) of the image decoded and written again: EXIF orientation applied, then
    EXIF, ICC, text chunks, extra frames and whatever followed the image data left behind;
    scaled down to MAX_SIDE. GIF is written as PNG: it is accepted because older phones and
    WeChat save pictures as GIF, but it is not served inline (a GIF polyglot is the classic
    attack), and a PNG of its first frame shows the same thing."""

    bad = ValidationError(f"文件“{upload.name}”不是完整的图片，无法读取，请重新拍摄或另存后上传。",
                          code="broken")
    try:
        img = Image.open(upload)
        source = img.format
        if source not in ("JPEG", "PNG", "WEBP", "GIF"):
            raise bad
        width, height = img.size
        if width * height > MAX_PIXELS:
            raise ValidationError(f"图片“{upload.name}”像素过大（{width}×{height}），"
                                  f"请缩小后再上传。", code="too_many_pixels")
        if source == "JPEG":
            img.draft("RGB", (MAX_SIDE, MAX_SIDE))  # decode big photos at 1/2, 1/4, 1/8 scale
        img.seek(0)
        img.load()
        try:
            img = ImageOps.exif_transpose(img)
        except Exception:  # noqa: BLE001 - a broken EXIF block: keep the picture as stored
            pass
        alpha = "A" in img.getbands() or "transparency" in img.info
        out_format = "PNG" if source == "GIF" else source
        if out_format == "JPEG":
            img = img.convert("L" if img.mode in ("L", "LA", "1") else "RGB")
        elif img.mode not in ("RGB", "RGBA", "L", "LA"):
            img = img.convert("RGBA" if alpha else "RGB")
        img.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
        img.info = {}  # nothing of the original's metadata is written again
        buffer = io.BytesIO()
        options = {"JPEG": {"quality": 85}, "WEBP": {"quality": 85}}.get(out_format, {})
        img.save(buffer, out_format, **options)
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError,
            Image.DecompressionBombError) as exc:
        raise bad from exc
    finally:
        upload.seek(0)
    return buffer.getvalue(), {"JPEG": _JPEG, "PNG": _PNG, "WEBP": _WEBP}[out_format]


@deconstructible
class UploadTo:
    """upload_to=UploadTo("cases"): a random, dated path; of the name only its extension is
    kept, which validate_upload has set to the sniffed one."""

    def __init__(self, prefix):
        self.prefix = prefix

    def __call__(self, instance, filename):
        ext = os.path.splitext(filename)[1].lower()[:8]
        return f"{self.prefix}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{ext}"

    def __eq__(self, other):
        return isinstance(other, UploadTo) and other.prefix == self.prefix


# --- Serving ---------------------------------------------------------------------------------

def serve_file(field_file, *, download_name=None):
    """The one response for a stored file. Call only after the owning record passed its
    access check. The type comes from the bytes; only a JPEG, PNG or WebP stored under its
    own extension is shown inline, everything else is a download named by its real type."""
    if not field_file:
        raise Http404("文件不存在或已被隔离。")
    try:
        fileobj = field_file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("文件不存在或已被隔离。") from exc
    found = sniff_file(fileobj)
    inline = (found is not None and found.ext in INLINE_EXTENSIONS
              and _stored_ext(field_file.name) == found.ext)
    name = safe_name(download_name or field_file.name, found.ext if found else "bin")
    response = FileResponse(fileobj, as_attachment=not inline, filename=name,
                            content_type=found.content_type if found
                            else "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_CSP
    response["Cache-Control"] = "private, no-store"
    return response


# --- Files already stored --------------------------------------------------------------------

_MARKUP = re.compile(rb"<\s*(script|html|svg|iframe|object|embed|body|!doctype)\b", re.I)


def check_stored(field_file):
    """Why a stored file should not be served (a sentence in Chinese), or None if it is fine:
    missing, of no known type, stored under another type's extension, an image that does not
    decode, or an image or PDF carrying HTML, script or SVG markup."""
    try:
        fileobj = field_file.open("rb")
    except FileNotFoundError:
        return "文件不存在"
    try:
        found = sniff_file(fileobj)
        stored = _stored_ext(field_file.name)
        if found is None:
            return "无法识别的文件类型"
        if stored != found.ext and not (found.ext == "jpg" and stored == "jpeg"):
            return f"扩展名 .{stored} 与内容（{found.ext}）不符"
        if found.kind in ("image", "pdf"):
            data = fileobj.read()
            markup = _MARKUP.search(data)
            if markup:
                return f"含有网页标记 {markup.group(0)[:20].decode('latin-1')}"
            if found.kind == "image" and not _decodes(data):
                return "图片无法解码"
        return None
    finally:
        fileobj.close()


def find_bad_uploads():
    """(instance, field name, reason) for every stored file check_stored objects to, over
    every FileField of every installed model."""

    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if not isinstance(field, FileField):
                continue
            rows = (model._base_manager.exclude(**{field.name: ""})
                    .exclude(**{f"{field.name}__isnull": True}).only("pk", field.name)
                    .order_by("pk"))
            for instance in rows.iterator():
                reason = check_stored(getattr(instance, field.name))
                if reason:
                    yield instance, field.name, reason


def quarantine_upload(instance, field_name, *, reason, to=None, actor=None):
    """Move a stored file out of reach (to MEDIA_ROOT/quarantine/<its path>, or `to`) and clear
    the field, so serve_file answers 404; one audit row says what and why. Does nothing if the
    field no longer holds that file (someone else got there first). Returns where it went."""


    field_file = getattr(instance, field_name)
    name = field_file.name
    target = os.path.join(to or os.path.join(settings.MEDIA_ROOT, "quarantine"), name)
    with transaction.atomic():
        changed = type(instance)._base_manager.filter(
            pk=instance.pk, **{field_name: name}).update(**{field_name: ""})
        if not changed:
            return None
        audit.record(instance, actor=actor, action="upload.quarantine",
                     action_label="隔离上传文件", to_state="已隔离", reason=f"{name}：{reason}",
                     data={"field": field_name, "file": name, "moved_to": target})
        source = field_file.storage.path(name)
        if os.path.exists(source):
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.move(source, target)
    setattr(instance, field_name, "")
    return target


def _decodes(data):
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.verify()
    except Exception:  # noqa: BLE001 - any failure to decode is the answer
        return False
    return True


# --- Spreadsheets (the household import, the working-day calendar import) --------------------
# A few hundred KB of zip can inflate to gigabytes (a zip bomb) that a reader would hold in
# memory; a real import sheet inflates to about 10 MB. Every workbook upload goes through
# check_workbook before any reader sees it, whatever the file is called.
MAX_INFLATED_BYTES = 100 * 1024 * 1024


def check_workbook(fileobj, size, *, max_bytes, max_inflated=None):
    """Raise ValidationError (in Chinese) unless fileobj is an .xlsx workbook (by content)
    within max_bytes, inflating to no more than max_inflated, and without macros."""
    max_inflated = max_inflated or MAX_INFLATED_BYTES
    if size > max_bytes:
        raise ValidationError(f"文件大小为 {size / 1024 / 1024:.1f} MB，超过上限 "
                              f"{max_bytes / 1024 / 1024:.0f} MB，请拆分后分批导入。",
                              code="too_large")
    fileobj.seek(0)
    head = fileobj.read(4)
    fileobj.seek(0)
    if head != ZIP_MAGIC:
        raise ValidationError("文件不是 Excel 2007 及以上的 .xlsx 格式（按文件内容识别），"
                              "请在 Excel 中“另存为 .xlsx”后再导入。", code="bad_type")
    try:
        with zipfile.ZipFile(fileobj) as zf:
            names = set(zf.namelist())
            inflated = sum(info.file_size for info in zf.infolist())
            types = zf.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
    except zipfile.BadZipFile as exc:
        raise ValidationError("文件已损坏，无法读取，请重新保存后再导入。",
                              code="broken") from exc
    finally:
        fileobj.seek(0)
    if inflated > max_inflated:
        raise ValidationError(f"文件解压后达 {inflated / 1024 / 1024:.0f} MB，超过上限 "
                              f"{max_inflated / 1024 / 1024:.0f} MB，不能导入。",
                              code="inflated")
    if any(n.lower().endswith("vbaproject.bin") for n in names) or b"macroEnabled" in types:
        raise ValidationError("文件中含有宏，出于安全考虑不能导入。请另存为不含宏的 .xlsx 文件。",
                              code="macros")
    if "xl/workbook.xml" not in names:
        raise ValidationError("文件不是 Excel 工作簿（.xlsx），请使用下载的模板填写。",
                              code="not_workbook")
