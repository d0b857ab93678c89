"""Uploaded files (photos, scanned agreements, documents): checked by content, not by name,
and served only through views that fetched the owning record via its access function."""

import mimetypes
import os
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.utils import timezone
from django.utils.deconstruct import deconstructible

# kind -> (label, [(magic prefix, extension, content type)])
_SIGNATURES = {
    "image": [
        (b"\xff\xd8\xff", "jpg", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n", "png", "image/png"),
        (b"GIF87a", "gif", "image/gif"),
        (b"GIF89a", "gif", "image/gif"),
    ],
    "pdf": [(b"%PDF-", "pdf", "application/pdf")],
}
KIND_LABELS = {"image": "图片（JPG、PNG、GIF）", "pdf": "PDF 文件"}


def sniff(head):
    """(kind, extension, content type) from the first bytes, or None."""
    for kind, signatures in _SIGNATURES.items():
        for magic, ext, ctype in signatures:
            if head.startswith(magic):
                return kind, ext, ctype
    if head[8:12] == b"WEBP" and head.startswith(b"RIFF"):
        return "image", "webp", "image/webp"
    return None


def validate_upload(upload, *, kinds=("image", "pdf"), max_bytes=None):
    """Raise ValidationError in Chinese unless the file's content is one of `kinds` and it
    is not too large. Returns (extension, content type)."""
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
    head = upload.read(16)
    upload.seek(0)
    found = sniff(head)
    allowed = "、".join(KIND_LABELS[k] for k in kinds)
    if found is None or found[0] not in kinds:
        raise ValidationError(
            f"文件“{upload.name}”的类型不受支持（按文件内容识别，改扩展名无效），"
            f"只能上传{allowed}。", code="bad_type")
    return found[1], found[2]


@deconstructible
class UploadTo:
    """upload_to=UploadTo("cases"): a random, dated path; the user's file name is not used."""

    def __init__(self, prefix):
        self.prefix = prefix

    def __call__(self, instance, filename):
        ext = os.path.splitext(filename)[1].lower()[:8]
        return f"{self.prefix}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{ext}"

    def __eq__(self, other):
        return isinstance(other, UploadTo) and other.prefix == self.prefix


def serve_file(field_file, *, download_name=None, inline=True):
    """Send a stored file. Call only after the owning record passed its access check."""
    name = download_name or os.path.basename(field_file.name)
    ctype = mimetypes.guess_type(field_file.name)[0] or "application/octet-stream"
    response = FileResponse(field_file.open("rb"), as_attachment=not inline, filename=name,
                            content_type=ctype)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- Spreadsheets (the household import, the working-day calendar import) --------------------
# A few hundred KB of zip can inflate to gigabytes (a zip bomb) that a reader would hold in
# memory; a real import sheet inflates to about 10 MB. Every workbook upload goes through
# check_workbook before any reader sees it, whatever the file is called.
MAX_INFLATED_BYTES = 100 * 1024 * 1024
ZIP_MAGIC = b"PK\x03\x04"


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
    import zipfile

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
