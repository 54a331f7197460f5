"""What an uploaded file really is: a PDF or an image read by a real parser, not by its name.

A file's first bytes prove nothing: an HTML page with "%PDF-" in its first kilobyte passed as
a signed agreement. pypdf must find its pages and Pillow must decode the image, or the file
is refused. Both parsers meet hostile files here, so any exception they raise means "not
this kind of file", never a 500.
"""

import io
import warnings

from PIL import Image
from pypdf import PdfReader

# Pillow refuses to decode more pixels than this (a "decompression bomb" in a small file).
MAX_IMAGE_PIXELS = 40_000_000
IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png"}


def is_pdf(data: bytes) -> bool:
    """Whether `data` is a PDF document with at least one page."""
    if not data.startswith(b"%PDF-"):
        return False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pypdf warns about every small repair it makes
            return len(PdfReader(io.BytesIO(data), strict=False).pages) > 0
    except Exception:  # pypdf raises many kinds (and RecursionError) on a damaged file
        return False


def image_type(data: bytes) -> str:
    """ "image/jpeg" or "image/png" when `data` decodes as one; "" otherwise."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format not in IMAGE_FORMATS:
                    return ""
                if image.width * image.height > MAX_IMAGE_PIXELS:
                    return ""
                image.load()  # decode every pixel: a truncated or forged body fails here
                return IMAGE_FORMATS[image.format]
    except Exception:  # Pillow raises many kinds on a damaged or hostile file
        return ""
