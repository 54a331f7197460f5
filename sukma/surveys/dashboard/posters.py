"""Printable A4 QR posters (PDF) for service points: one page per point.

The QR (segno, drawn as SVG so it prints sharp at any size) holds the
absolute URL of the point's survey on the regency's primary domain, with
the deployment's scheme and port (url_for_host). WeasyPrint lays the page
out with DejaVu Sans from the system's fonts; it is given a URL fetcher
that refuses everything but inline data, so a poster never touches the
network.

The poster speaks to citizens, so its wording is Bahasa Indonesia whatever
language the operator's screen is in, with a smaller English line under it
(as the citizen's page offers English a tap away). These lines are fixed
text, like the element wording, not interface strings.
"""

from django.template.loader import render_to_string
from django.utils import timezone

from sukma.surveys.models import ServicePoint
from sukma.tenants.models import Regency
from sukma.tenants.naming import url_for_host

INVITATION_ID = "Bagaimana pelayanan kami? Pindai untuk mengisi survei, kurang dari 1 menit."
INVITATION_EN = "How did we do? Scan to take the survey: it takes less than a minute."
TITLE_ID = "Survei Kepuasan Masyarakat"
ANONYMOUS_ID = "Anonim: tanpa nama, tanpa NIK, tanpa nomor telepon."


def survey_url(regency: Regency, point: ServicePoint, *, host: str = "") -> str:
    """The absolute URL the point's QR opens: the regency's primary domain, else this host."""
    domain = regency.primary_domain or host.split(":", 1)[0]
    return url_for_host(domain, f"/s/{point.code}/")


def short_url(url: str) -> str:
    """What is printed under the QR: the URL without its scheme."""
    return url.split("://", 1)[-1]


def qr_svg(url: str) -> str:
    """The QR as an SVG data URI: medium error correction survives a scuffed print."""
    import segno

    return segno.make(url, error="m", micro=False).svg_data_uri(scale=10, border=2)


def posters_html(regency: Regency, points: list[ServicePoint], *, host: str = "") -> str:
    pages = []
    for point in points:
        url = survey_url(regency, point, host=host)
        pages.append(
            {
                "point": point,
                "agency": point.agency,
                "url": url,
                "short_url": short_url(url),
                "qr": qr_svg(url),
            }
        )
    return render_to_string(
        "surveys/dashboard/poster.html",
        {
            "regency": regency,
            "pages": pages,
            "invitation_id": INVITATION_ID,
            "invitation_en": INVITATION_EN,
            "title_id": TITLE_ID,
            "anonymous_id": ANONYMOUS_ID,
            "printed_on": timezone.localdate(),
        },
    )


def posters_pdf(regency: Regency, points: list[ServicePoint], *, host: str = "") -> bytes:
    """An A4 PDF with one poster page per point."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    html = posters_html(regency, points, host=host)
    # Inline data (the QR) only: no file, no network.
    fetcher = URLFetcher(allowed_protocols={"data"}, allow_redirects=False)
    return HTML(string=html, url_fetcher=fetcher).write_pdf()
