"""Real images for upload tests, made with Pillow: uploads are decoded and re-encoded
(pingxiang.uploads.validate_upload), so a few magic bytes followed by zeros no longer pass."""

import io

from PIL import Image


def image_bytes(fmt="PNG", size=(1, 1), color=(0, 255, 0), **save_options):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt, **save_options)
    return buffer.getvalue()


def png_bytes(size=(1, 1)):
    return image_bytes("PNG", size)


def decoded(content):
    """(format, size, first pixel) of an image's bytes."""
    with Image.open(io.BytesIO(content)) as img:
        return img.format, img.size, img.convert("RGB").getpixel((0, 0))
