"""The coat of arms a regency uploads for its reports' cover: checked, then stored as a clean PNG.

Only a real PNG or JPEG is taken, decoded by Pillow (which WeasyPrint
already brings). Before any pixel is decoded the size of the upload and the
picture's dimensions are checked, so a small file that claims billions of
pixels is refused without being expanded. A file that is also something
else (a polyglot: an image with HTML, script, PHP or a ZIP archive hidden
in a text chunk, a comment or after the image's end) is refused, and so is
SVG, which may carry script. What is kept is the picture re-encoded by
Pillow as PNG, so no byte of the upload itself is ever stored or served.
"""

import io
import re
import struct
import warnings

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

MAX_BYTES = 3 * 1024 * 1024
MAX_PIXELS = 4096 * 4096
MIN_SIDE = 32
# The picture is kept no larger than this on its longer side: plenty for a cover at 300 dpi.
KEPT_SIDE = 1200

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_START = b"\xff\xd8\xff"
# Markers of another format hidden in an image's text: looked for in its metadata (PNG chunks
# other than the pixels, JPEG segments before the scan), never in the compressed pixels, where
# any short byte string turns up by chance.
HIDDEN = re.compile(rb"<(script|html|body|iframe|svg|object|embed|\?php)|%pdf-|javascript:")
SVG_START = re.compile(rb"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*(<!doctype\s+svg|<svg)", re.S)


def _refuse(message: str):
    raise ValidationError({"coat_of_arms": message})


def _png_parts(data: bytes) -> tuple[list[bytes], int]:
    """The PNG's chunks other than its pixels (IDAT), and where its IEND ends (-1 if none)."""
    parts, at = [], len(PNG_SIGNATURE)
    while at + 8 <= len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind = data[at + 4 : at + 8]
        if kind != b"IDAT":
            parts.append(data[at + 8 : at + 8 + length])
        at += 12 + length
        if kind == b"IEND":
            return parts, (at if at <= len(data) else -1)
    return parts, -1


def _jpeg_parts(data: bytes) -> tuple[list[bytes], int]:
    """The JPEG's segments before the scan (APPn, COM, tables), and where its EOI ends."""
    parts, at = [], 2
    while at + 4 <= len(data) and data[at] == 0xFF:
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        parts.append(data[at + 4 : at + 2 + length])
        at += 2 + length
        if marker == 0xDA:  # start of scan: compressed pixels follow
            break
    end = data.rfind(b"\xff\xd9")
    return parts, (-1 if end < 0 else end + 2)


def _damaged() -> str:
    return _("The picture cannot be read: the file is damaged. Save it again as PNG.")


def _check_structure(data: bytes, kind: str) -> None:
    """Whole (it has its end marker), and nothing but the picture in it."""
    parts, end = _png_parts(data) if kind == "PNG" else _jpeg_parts(data)
    # WeasyPrint makes Pillow accept truncated files (LOAD_TRUNCATED_IMAGES, process-wide),
    # so a picture cut short is caught here, by its missing end marker.
    if end < 0:
        _refuse(_damaged())
    # Some cameras pad a JPEG with zero or 0xFF bytes after its end: that is not a payload.
    if any(HIDDEN.search(part.lower()) for part in parts) or data[end:].strip(b"\x00\xff"):
        _refuse(
            _(
                "The file holds other data besides the picture, so it is refused. "
                "Open the picture in an image editor and save it again as PNG."
            )
        )


def _open(data: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data), formats=("PNG", "JPEG"))
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        _refuse(_too_many_pixels())
    except UnidentifiedImageError:
        _refuse(_("Upload a picture in PNG or JPEG format."))
    except (OSError, SyntaxError, ValueError, struct.error):
        _refuse(_damaged())


def _check_upload(data: bytes) -> str:
    """The upload's format ("PNG" or "JPEG"), or a refusal saying why not."""
    if not data:
        _refuse(_("The file is empty. Choose the picture of the coat of arms."))
    if len(data) > MAX_BYTES:
        _refuse(
            _("The file is too large: at most %(mb)s MB. Save the picture smaller.")
            % {"mb": MAX_BYTES // (1024 * 1024)}
        )
    if SVG_START.match(data[:2048].lower()):
        _refuse(_("SVG pictures are not accepted (they can carry script). Upload a PNG or JPEG."))
    if data.startswith(PNG_SIGNATURE):
        kind = "PNG"
    elif data.startswith(JPEG_START):
        kind = "JPEG"
    else:
        _refuse(_("Upload a picture in PNG or JPEG format."))
    _check_structure(data, kind)
    return kind


def _too_many_pixels() -> str:
    return _("The picture has too many pixels: at most %(max)s × %(max)s. Save it smaller.") % {
        "max": 4096
    }


def _check_dimensions(image: Image.Image) -> None:
    width, height = image.size
    if width * height > MAX_PIXELS:
        _refuse(_too_many_pixels())
    if min(width, height) < MIN_SIDE:
        _refuse(
            _("The picture is too small (%(w)s × %(h)s): at least %(min)s pixels on each side.")
            % {"w": width, "h": height, "min": MIN_SIDE}
        )


def coat_of_arms_clean(data: bytes) -> bytes:
    """The upload as a clean PNG; or ValidationError({"coat_of_arms": why}), in the user's words."""
    kind = _check_upload(data)
    image = _open(data)
    if image.format != kind:
        _refuse(_("Upload a picture in PNG or JPEG format."))
    _check_dimensions(image)  # from the header only: nothing is decoded yet
    try:
        Image.open(io.BytesIO(data), formats=(kind,)).verify()  # every chunk's checksum
        image.load()
        picture = image.convert(
            "RGBA" if "A" in image.getbands() or "transparency" in image.info else "RGB"
        )
    except (OSError, SyntaxError, ValueError, struct.error, Image.DecompressionBombError):
        _refuse(_damaged())
    picture.thumbnail((KEPT_SIDE, KEPT_SIDE))
    out = io.BytesIO()
    picture.save(out, "PNG", optimize=True)
    return out.getvalue()
