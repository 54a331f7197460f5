"""Reading a report back: the PDF's text (pypdf, pdftotext), its pages as images (pdftoppm),
the workbook's cells (openpyxl)."""

import io
import re
import subprocess
import tempfile
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader

from sukma.surveys.reports.selectors import report_data, subject_for


def pdf_text(body: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    return re.sub(r"[ \t]+", " ", text)  # justified lines come out with runs of spaces


def indonesian(text: str) -> Decimal:
    """ "1.234,50" -> Decimal("1234.50")."""
    return Decimal(text.replace(".", "").replace(",", "."))


def pdf_value(text: str, label: str) -> str:
    """The value printed after a label on its own line of the Lampiran 2 summary."""
    summary = text[text.index("HASIL OLAHAN DATA") :]
    match = re.search(rf"^{re.escape(label)} ([^\n]+)$", summary, re.M)
    assert match, f"{label!r} not in the PDF"
    return match.group(1).strip()


def workbook(body: bytes):
    return load_workbook(io.BytesIO(body))


def data_for(regency, scope: str, scope_id: int, period):
    return report_data(regency, subject_for(scope, scope_id), period)


# ---------------------------------------------------------------- poppler-utils (Debian)
def _poppler(tool: str, body: bytes, *args: str) -> str:
    """Run a poppler tool on the PDF; its standard output."""
    with tempfile.TemporaryDirectory(prefix="laporan-") as folder:
        source = Path(folder) / "laporan.pdf"
        source.write_bytes(body)
        done = subprocess.run(
            [tool, *args, str(source), *(["-"] if tool == "pdftotext" else [])],
            capture_output=True,
            check=True,
            timeout=120,
        )
    return done.stdout.decode("utf-8")


def pdf_pages(body: bytes) -> list[str]:
    """Each page's text as pdftotext reads it (each page ends with a form feed)."""
    pages = _poppler("pdftotext", body, "-enc", "UTF-8").split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    return [re.sub(r"[ \t]+", " ", page) for page in pages]


def pdf_page_count(body: bytes) -> int:
    return int(re.search(r"^Pages:\s+(\d+)$", _poppler("pdfinfo", body), re.M).group(1))


def pdf_images(body: bytes) -> list[int]:
    """The page number of each image in the PDF (pdfimages -list)."""
    lines = _poppler("pdfimages", body, "-list").splitlines()
    return [int(line.split()[0]) for line in lines[2:] if line.strip()]


def pdf_png_pages(body: bytes, resolution: int = 30) -> list[Image.Image]:
    """Every page rendered to PNG by pdftoppm, in order, as greyscale images."""
    with tempfile.TemporaryDirectory(prefix="laporan-") as folder:
        (Path(folder) / "laporan.pdf").write_bytes(body)
        subprocess.run(
            ["pdftoppm", "-png", "-r", str(resolution), "laporan.pdf", "page"],
            check=True,
            cwd=folder,
            timeout=120,
        )
        images = []
        for path in sorted(Path(folder).glob("page-*.png")):
            with Image.open(path) as image:
                images.append(image.convert("L"))
    return images
