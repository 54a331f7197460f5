"""The province's standard lists: kinds of agency every regency has, and their services.

A regency maps each agency to a standard kind and each service to a
standard service of that kind (sukma.surveys.structure.mapping); rankings
compare agencies and services through these codes. Codes never change once
made (regencies hold them); names and the active flag do. Every write is
audited in the same transaction.
"""

import csv
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from sukma.access.audit import audit_record, snapshot
from sukma.standards.models import StandardAgencyKind, StandardService

TEMPLATE = Path(__file__).resolve().parent.parent / "data" / "opd-template.csv"

# The template's agencies and services, by the codes the province uses for them.
TEMPLATE_KIND_CODES = {
    "Dinas Kependudukan dan Pencatatan Sipil": "dukcapil",
    "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu": "dpmptsp",
    "Rumah Sakit Umum Daerah": "rsud",
    "Dinas Kesehatan": "dinkes",
    "Dinas Sosial": "dinsos",
    "Dinas Tenaga Kerja": "disnaker",
    "Dinas Perhubungan": "dishub",
    "Badan Pendapatan Daerah": "bapenda",
    "Dinas Pendidikan": "disdik",
    "Dinas Perpustakaan dan Kearsipan": "dispusip",
    "Dinas Lingkungan Hidup": "dlh",
    "Dinas Pertanian": "dispertan",
    "Dinas Perdagangan dan Perindustrian": "disperindag",
    "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia": "bkpsdm",
    "Kecamatan": "kecamatan",
    "Puskesmas": "puskesmas",
}
TEMPLATE_SERVICE_CODES = {
    "Perekaman dan Pencetakan KTP-el": "ktp-el",
    "Kartu Keluarga": "kk",
    "Akta Kelahiran": "akta-lahir",
    "Akta Kematian": "akta-mati",
    "Surat Keterangan Pindah": "pindah",
    "Persetujuan Bangunan Gedung (PBG)": "pbg",
    "Perizinan Berusaha (NIB/OSS)": "nib-oss",
    "Surat Izin Praktik Tenaga Kesehatan": "sip-nakes",
    "Rawat Jalan": "rawat-jalan",
    "Rawat Inap": "rawat-inap",
    "Instalasi Gawat Darurat": "igd",
    "Laboratorium": "laboratorium",
    "Layanan Kesehatan Ibu dan Anak": "kia",
    "Rekomendasi Izin Apotek": "izin-apotek",
    "Pendaftaran DTKS": "dtks",
    "Rekomendasi PBI Jaminan Kesehatan": "pbi-jk",
    "Kartu Pencari Kerja (AK/1)": "ak1",
    "Pengujian Kendaraan Bermotor (KIR)": "kir",
    "Pelayanan PBB-P2": "pbb-p2",
    "Pelayanan BPHTB": "bphtb",
    "Legalisasi Ijazah": "legalisasi-ijazah",
    "Layanan Perpustakaan": "perpustakaan",
    "Persetujuan Lingkungan": "persetujuan-lingkungan",
    "Rekomendasi Pupuk Bersubsidi": "pupuk-bersubsidi",
    "Tera dan Tera Ulang": "tera",
    "Layanan Administrasi Kepegawaian": "kepegawaian",
    "Surat Pengantar dan Legalisasi": "pengantar-legalisasi",
    "Pelayanan Administrasi Kependudukan": "adminduk",
    "Poli Umum": "poli-umum",
    "Imunisasi": "imunisasi",
}


def template_service_code(kind_code: str, service_name: str) -> str:
    """``dukcapil-akta-lahir``: a standard service's code is its kind's code and its own."""
    return f"{kind_code}-{TEMPLATE_SERVICE_CODES[service_name]}"


def template_rows() -> list[dict]:
    with open(TEMPLATE, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


# ====================================================================== kinds
KIND_FIELDS = ("name", "agency_kind", "active")
SERVICE_FIELDS = ("name", "active")


def _check_code(model, code: str, instance=None) -> None:
    others = model.objects.filter(code=code)
    if instance is not None and instance.pk:
        others = others.exclude(pk=instance.pk)
    if others.exists():
        raise ValidationError({"code": _("This code is taken already.")})


@transaction.atomic
def standard_kind_create(
    *, acting_user, code: str, name: str, agency_kind: str, active: bool = True
) -> StandardAgencyKind:
    kind = StandardAgencyKind(
        code=code.strip().lower(), name=name.strip(), agency_kind=agency_kind, active=active
    )
    _check_code(StandardAgencyKind, kind.code)
    kind.full_clean()
    kind.save()
    audit_record(
        actor=acting_user, action="standard_kind.created", target=kind, after=snapshot(kind)
    )
    return kind


@transaction.atomic
def standard_kind_update(*, acting_user, kind: StandardAgencyKind, **values) -> StandardAgencyKind:
    """Name, agency kind and active flag change; the code does not (regencies hold it)."""
    kind = StandardAgencyKind.objects.select_for_update().get(pk=kind.pk)
    before = snapshot(kind)
    for name, value in values.items():
        if name not in KIND_FIELDS:
            raise TypeError(f"unknown standard kind field {name}")
        setattr(kind, name, value.strip() if isinstance(value, str) else value)
    kind.full_clean()
    kind.save()
    audit_record(
        actor=acting_user,
        action="standard_kind.updated",
        target=kind,
        before=before,
        after=snapshot(kind),
    )
    return kind


# ====================================================================== services
@transaction.atomic
def standard_service_create(
    *, acting_user, standard_kind: StandardAgencyKind, code: str, name: str, active: bool = True
) -> StandardService:
    service = StandardService(
        standard_kind=standard_kind, code=code.strip().lower(), name=name.strip(), active=active
    )
    _check_code(StandardService, service.code)
    service.full_clean()
    service.save()
    audit_record(
        actor=acting_user,
        action="standard_service.created",
        target=service,
        after=snapshot(service),
    )
    return service


@transaction.atomic
def standard_service_update(*, acting_user, service: StandardService, **values) -> StandardService:
    """Name and active flag change; the code and the kind do not (regencies map to them)."""
    service = StandardService.objects.select_for_update().get(pk=service.pk)
    before = snapshot(service)
    for name, value in values.items():
        if name not in SERVICE_FIELDS:
            raise TypeError(f"unknown standard service field {name}")
        setattr(service, name, value.strip() if isinstance(value, str) else value)
    service.full_clean()
    service.save()
    audit_record(
        actor=acting_user,
        action="standard_service.updated",
        target=service,
        before=before,
        after=snapshot(service),
    )
    return service


# ====================================================================== the seed
@transaction.atomic
def standard_kinds_seed(*, acting_user=None) -> dict:
    """The standard kinds and services of opd-template.csv. Idempotent: what exists is kept.

    Returns how many kinds and services were created.
    """
    kinds_created = services_created = 0
    kinds: dict[str, StandardAgencyKind] = {}
    for row in template_rows():
        code = TEMPLATE_KIND_CODES[row["agency"]]
        if code not in kinds:
            kind = StandardAgencyKind.objects.filter(code=code).first()
            if kind is None:
                kind = standard_kind_create(
                    acting_user=acting_user,
                    code=code,
                    name=row["agency"],
                    agency_kind=row["agency_kind"],
                )
                kinds_created += 1
            kinds[code] = kind
        service_code = template_service_code(code, row["service"])
        if not StandardService.objects.filter(code=service_code).exists():
            standard_service_create(
                acting_user=acting_user,
                standard_kind=kinds[code],
                code=service_code,
                name=row["service"],
            )
            services_created += 1
    return {"kinds": kinds_created, "services": services_created}
