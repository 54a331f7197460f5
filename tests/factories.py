"""Building blocks for tests: agreements and regencies made through the real services."""

import datetime
import io
import itertools
import secrets

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfWriter

from sukma.platform.services.agreements import agreement_register, agreement_transition
from sukma.platform.services.provisioning import provisioning_run, provisioning_start

_numbers = itertools.count(1)


def pdf_bytes(size: int = 0) -> bytes:
    """A real one-page PDF (pypdf reads it), at least `size` bytes long."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": "Perjanjian kerja sama", "/Padding": "0" * size})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_bytes() -> bytes:
    """A real PNG image (Pillow decodes it)."""
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (11, 95, 165)).save(out, "PNG")
    return out.getvalue()


def pdf_file(name: str = "mou.pdf", size: int = 0) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(size), content_type="application/pdf")


def agreement_values(**overrides) -> dict:
    values = {
        "region_code": "35.01",
        "kind": "kabupaten",
        "regency_name": "Pacitan",
        "number": f"120/{next(_numbers):04d}/35/2026",
        "province_signatory_name": "Dr. Hj. Khofifah Indar Parawansa",
        "province_signatory_office": "Gubernur Jawa Timur",
        "regency_signatory_name": "Bupati",
        "regency_signatory_office": "Bupati",
        "scope": "Replikasi SuKMa-e untuk seluruh perangkat daerah",
        "valid_from": datetime.date(2026, 1, 1),
        "valid_until": datetime.date(2030, 12, 31),
    }
    values.update(overrides)
    return values


def signed_agreement(acting_user=None, **overrides):
    """A registered agreement with its PDF, marked signed: ready to provision under."""
    agreement = agreement_register(
        acting_user=acting_user, document=pdf_file(), **agreement_values(**overrides)
    )
    return agreement_transition(
        acting_user=acting_user,
        agreement=agreement,
        to="signed",
        signed_on=datetime.date(2026, 1, 5),
    )


def provisioned_regency(*, code, kind, name, subdomain, admin_email, acting_user=None):
    agreement = signed_agreement(acting_user, region_code=code, kind=kind, regency_name=name)
    job = provisioning_start(
        acting_user=acting_user,
        regency=agreement.regency,
        subdomain=subdomain,
        admin_email=admin_email,
    )
    provisioning_run(job_id=job.pk)
    agreement.regency.refresh_from_db()
    return agreement.regency


def counter_create(
    regency,
    prefix: str,
    *,
    agency: str = "Dinas Kependudukan dan Pencatatan Sipil",
    short_name: str = "Dukcapil",
    services: tuple[str, ...] = ("Perekaman KTP-el",),
    point: str = "Loket 1",
):
    """A new agency with its services and one counter (preset to the first service), for tests
    that commit it for a server or a browser; remove it with tests.cleanup.remove_agency.

    Names and the counter's code get a random suffix: a committed test must not collide with
    another's leftovers. The connection is left on the public schema.
    """
    from django.db import connection

    from sukma.surveys.models import Agency, Service, ServicePoint

    connection.set_tenant(regency)
    suffix = secrets.token_hex(3).upper()
    made = Agency.objects.create(name=f"{agency} {suffix}", short_name=short_name, kind="dinas")
    first, *_rest = [
        Service.objects.create(agency=made, name=name, annual_users=12000) for name in services
    ]
    counter = ServicePoint.objects.create(
        agency=made, name=point, code=f"{prefix}{suffix}", default_service=first
    )
    connection.set_schema_to_public()
    return counter
