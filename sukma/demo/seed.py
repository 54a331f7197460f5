"""Demo data: East Java's regencies, their agreements, structure, responses and sign-ins.

Everything goes through the real services, so the demo shows what a real
province would see. Every function is idempotent: `make demo` twice seeds
nothing twice.
"""

import csv
import datetime
from base64 import b32decode
from dataclasses import dataclass
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from sukma.access.models import Membership, Role, User
from sukma.access.people import user_get_or_invite
from sukma.platform.models import AgreementStatus, ReplicationAgreement
from sukma.platform.services.agreements import agreement_register, agreement_transition
from sukma.platform.services.provisioning import provisioning_run, provisioning_start
from sukma.tenants.models import RegencyStatus

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEMO_PASSWORD = "sukma-demo-2026"
PROVINCE_ADMIN = "biro.organisasi@jatimprov.go.id"


@dataclass(frozen=True)
class RegencyRow:
    code: str
    kind: str
    name: str
    subdomain: str

    @property
    def admin_email(self) -> str:
        return f"organisasi@{self.subdomain}.go.id"


def east_java_regencies() -> list[RegencyRow]:
    with open(DATA_DIR / "jatim-regencies.csv", newline="", encoding="utf-8") as handle:
        return [
            RegencyRow(r["code"], r["kind"], r["name"], r["subdomain"])
            for r in csv.DictReader(handle)
        ]


def demo_sign_ins() -> list[tuple[str, str]]:
    """(role, e-mail) of the accounts the demo prints; all share DEMO_PASSWORD."""
    return [
        ("Province admin", PROVINCE_ADMIN),
        ("Admin Kabupaten Tulungagung", "organisasi@tulungagungkab.go.id"),
        ("Admin Kota Kediri", "organisasi@kedirikota.go.id"),
    ]


# Admins must pass a second factor. The demo's admins share one published authenticator
# key, so whoever runs the demo can add it to an app, or ask `manage.py demo_code`.
DEMO_TOTP_KEY_BASE32 = "KNKUWTLBFVCU4VCJKNKUWTLBFVCU4VCJ"


def demo_second_factors() -> int:
    """Give each printed demo account an authenticator with DEMO_TOTP_KEY_BASE32; how many."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    key = b32decode(DEMO_TOTP_KEY_BASE32).hex()
    made = 0
    for _role, email in demo_sign_ins():
        user = User.objects.filter(email=email).first()
        if user is not None and not TOTPDevice.objects.filter(user=user).exists():
            TOTPDevice.objects.create(user=user, name="demo", key=key, confirmed=True)
            made += 1
    return made


def demo_code() -> str:
    """The demo authenticator's code right now, as the app would show it."""
    from django_otp.oath import TOTP

    return f"{TOTP(b32decode(DEMO_TOTP_KEY_BASE32)).token():06d}"


@transaction.atomic
def ensure_province_admin() -> User:
    user = User.objects.filter(email=PROVINCE_ADMIN).first()
    if user is None:
        user = User.objects.create_user(
            PROVINCE_ADMIN,
            DEMO_PASSWORD,
            full_name="Biro Organisasi Setda Provinsi Jawa Timur",
            is_staff=True,
            is_superuser=True,
        )
    Membership.objects.get_or_create(user=user, role=Role.PROVINCE_ADMIN)
    return user


def _demo_pdf() -> SimpleUploadedFile:
    """A one-page PDF standing in for the scanned, signed MoU."""
    text = b"BT /F1 14 Tf 72 760 Td (Nota Kesepakatan Replikasi SuKMa-e - dokumen demo) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    body, offsets = b"%PDF-1.4\n", []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n%s\nendobj\n" % (number, obj)
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    body += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    body += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return SimpleUploadedFile("nota-kesepakatan.pdf", body, content_type="application/pdf")


def _agreement_for(row: RegencyRow, admin: User) -> ReplicationAgreement:
    existing = ReplicationAgreement.objects.filter(regency__region_code=row.code).first()
    if existing is not None:
        return existing
    head = "Bupati" if row.kind == "kabupaten" else "Wali Kota"
    agreement = agreement_register(
        acting_user=admin,
        region_code=row.code,
        kind=row.kind,
        regency_name=row.name,
        number=f"120/{row.code}/MoU-SuKMa/2026",
        province_signatory_name="Gubernur Jawa Timur",
        province_signatory_office="Gubernur Jawa Timur",
        regency_signatory_name=f"{head} {row.name}",
        regency_signatory_office=f"{head} {row.name}",
        scope="Replikasi aplikasi SuKMa-e untuk seluruh perangkat daerah",
        valid_from=datetime.date(2026, 1, 1),
        valid_until=datetime.date(2030, 12, 31),
        document=_demo_pdf(),
    )
    return agreement_transition(
        acting_user=admin,
        agreement=agreement,
        to=AgreementStatus.SIGNED,
        signed_on=datetime.date(2026, 1, 15),
    )


def regency_seed(row: RegencyRow, admin: User) -> bool:
    """Agreement, provisioning and a demo password for one regency. True if anything was done."""
    agreement = _agreement_for(row, admin)
    regency = agreement.regency
    if regency.status == RegencyStatus.ACTIVE and regency.primary_domain:
        return False
    _demo_user(row.admin_email, admin)  # has a password already, so no invitation e-mail
    job = provisioning_start(
        acting_user=admin, regency=regency, subdomain=row.subdomain, admin_email=row.admin_email
    )
    provisioning_run(job_id=job.pk)
    return True


def _demo_user(email: str, admin: User) -> User:
    user = user_get_or_invite(acting_user=admin, email=email)
    if not user.has_usable_password():
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


# ====================================================================== a regency's structure
# Short names regencies commonly use for the template's agencies.
SHORT_NAMES = {
    "Dinas Kependudukan dan Pencatatan Sipil": "Dispendukcapil",
    "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu": "DPMPTSP",
    "Rumah Sakit Umum Daerah": "RSUD",
    "Dinas Kesehatan": "Dinkes",
    "Dinas Sosial": "Dinsos",
    "Dinas Tenaga Kerja": "Disnaker",
    "Dinas Perhubungan": "Dishub",
    "Badan Pendapatan Daerah": "Bapenda",
    "Dinas Pendidikan": "Dindik",
    "Dinas Perpustakaan dan Kearsipan": "Dispusip",
    "Dinas Lingkungan Hidup": "DLH",
    "Dinas Pertanian": "Dispertan",
    "Dinas Perdagangan dan Perindustrian": "Disperindag",
    "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia": "BKPSDM",
}
# Agencies that stand for many units; the seed expands them per district.
PER_DISTRICT = {"Kecamatan", "Puskesmas"}
PUSKESMAS_COUNT = 4


def _districts(regency) -> list[str]:
    """The regency's districts where the demo knows them (Tulungagung), else none."""
    if regency.region_code != "35.04":
        return []
    with open(DATA_DIR / "tulungagung-kecamatan.csv", newline="", encoding="utf-8") as handle:
        return [row["kecamatan"] for row in csv.DictReader(handle)]


def structure_rows(regency) -> list[dict]:
    """Import rows (agency_kind, agency, short_name, service, annual_users, service_point).

    The same regency always gets the same rows and numbers (seeded by its code),
    so the seed is repeatable; expected users range from 500 to 20,000 a year.
    """
    import random

    rng = random.Random(regency.region_code)
    districts = _districts(regency)
    with open(DATA_DIR / "opd-template.csv", newline="", encoding="utf-8") as handle:
        template = list(csv.DictReader(handle))
    rows = []
    for line in template:
        if line["agency"] == "Kecamatan":
            names = [f"Kecamatan {d}" for d in districts]
        elif line["agency"] == "Puskesmas":
            names = [f"Puskesmas {d}" for d in districts[:PUSKESMAS_COUNT]] or [
                f"Puskesmas {regency.name.split(' ', 1)[-1]}"
            ]
        else:
            names = [line["agency"]]
        for name in names:
            smaller = line["agency"] in PER_DISTRICT
            rows.append(
                {
                    "agency_kind": line["agency_kind"],
                    "agency": name,
                    "short_name": SHORT_NAMES.get(name, ""),
                    "service": line["service"],
                    "annual_users": rng.randrange(500, 4000 if smaller else 20000, 50),
                }
            )
    return rows + _point_rows(rows)


def _point_rows(rows: list[dict]) -> list[dict]:
    """One counter per agency, preset to its first service; a second one at the busy ones."""
    points, seen = [], set()
    for row in rows:
        if row["agency"] in seen:
            continue
        seen.add(row["agency"])
        points.append({**row, "annual_users": None, "service_point": "Loket Pelayanan"})
        if row["agency_kind"] in ("rsud", "dinas") and row["annual_users"] > 10000:
            points.append({**row, "annual_users": None, "service_point": "Loket 2"})
    return points


def structure_seed(regency) -> dict:
    """Agencies, services, service points and the periods of 2026 in the regency's schema.

    Idempotent: what exists is kept. Returns what was created, as counts.
    """
    from django_tenants.utils import tenant_context

    from sukma.surveys.structure.imports import ImportRow, structure_rows_write
    from sukma.surveys.structure.services import periods_create_year

    admin = ensure_province_admin()
    with tenant_context(regency), transaction.atomic():
        rows = [
            ImportRow(row=number, **{k: v for k, v in values.items() if v not in ("", None)})
            for number, values in enumerate(structure_rows(regency), start=2)
        ]
        report = structure_rows_write(rows)
        if report.errors:
            raise RuntimeError(f"demo structure of {regency} does not import: {report.errors}")
        periods = periods_create_year(acting_user=admin, year=2026, regency=regency)
    return {
        "agencies": report.agencies_created,
        "services": report.services_created,
        "service_points": report.points_created,
        "periods": len(periods),
    }


# How many demo responses a regency gets per year: the two persona regencies get enough
# for every dashboard to be meaningful; the others enough for a ranking.
RICH_REGENCIES = {"tulungagungkab", "kedirikota"}
RICH_RESPONSES, LEAN_RESPONSES = 600, 40


def responses_seed(regency, subdomain: str, today: datetime.date) -> int:
    """Responses for 2025 (then locked: the last closed year) and 2026 up to today.

    Submitted through the real service, so totals, flags and figures are the
    product's own. Deterministic per regency. Skipped if the regency has any.
    """
    import random

    from django_tenants.utils import tenant_context

    from sukma.surveys.models import Period, Response

    with tenant_context(regency):
        if Response.objects.exists():
            return 0
        rng = random.Random(regency.region_code)
        per_year = RICH_RESPONSES if subdomain in RICH_REGENCIES else LEAN_RESPONSES
        count = _submit_year(rng, datetime.date(2025, 1, 1), datetime.date(2025, 12, 31), per_year)
        admin = ensure_province_admin()
        _lock_year(admin, regency, 2025)
        count += _submit_year(rng, datetime.date(2026, 1, 1), today, per_year)
        assert Period.objects.filter(year=2025, locked=True).exists()
    return count


def _submit_year(rng, first: datetime.date, last: datetime.date, count: int) -> int:
    from django.utils import timezone

    from sukma.surveys.citizen.submission import Submission, response_submit
    from sukma.surveys.models import PROFILE_FIELDS, Questionnaire, ServicePoint

    points = list(
        ServicePoint.objects.select_related("agency").filter(default_service__isnull=False)
    )
    if not points:
        return 0
    # Each agency serves at its own level, so the rankings have something to rank.
    quality = {p.agency_id: rng.uniform(2.6, 3.8) for p in points}
    version = Questionnaire.objects.get(is_current=True).version
    span = (last - first).days
    for i in range(count):
        point = rng.choice(points)
        day = first + datetime.timedelta(days=rng.randint(0, span))
        moment = timezone.make_aware(
            datetime.datetime.combine(day, datetime.time(rng.randint(8, 15)))
        )
        answers = {f"U{n}": _answer(rng, quality[point.agency_id]) for n in range(1, 10)}
        if rng.random() < 0.3:
            answers["U4"] = None  # a free service: "tidak berlaku"
        profile = {name: rng.choice(choices.values) for name, choices in PROFILE_FIELDS.items()}
        response_submit(
            Submission(
                service_point_code=point.code,
                answers=answers,
                questionnaire_version=version,
                profile=profile,
                device_token=f"demo-{first.year}-{i}",
                address=f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
                started_at=moment - datetime.timedelta(seconds=rng.randint(25, 90)),
                suggestion=rng.choice(DEMO_SUGGESTIONS) if rng.random() < 0.08 else "",
            ),
            now=moment,
        )
    return count


def _answer(rng, quality: float) -> int:
    return max(1, min(4, round(rng.gauss(quality, 0.55))))


def _lock_year(admin: User, regency, year: int) -> None:
    from sukma.surveys.models import Period
    from sukma.surveys.structure.services import period_lock, periods_create_year

    periods_create_year(acting_user=admin, year=year, regency=regency)
    for period in Period.objects.filter(year=year, locked=False):
        period_lock(acting_user=admin, period=period, regency=regency)


DEMO_SUGGESTIONS = [
    "Antrean di loket terlalu panjang pada pagi hari.",
    "Petugas sangat ramah, terima kasih.",
    "Mohon disediakan kursi tunggu yang lebih banyak.",
    "Informasi persyaratan sebaiknya ditempel di depan loket.",
    "Toilet perlu lebih bersih.",
    "Pelayanan cepat, pertahankan.",
]


def standard_mapping_seed(regency) -> dict:
    """The province's standard lists (from opd-template.csv), and the regency's demo agencies
    and services mapped to them by name: "Kecamatan X" to kecamatan, "Puskesmas X" to
    puskesmas, every other agency by its template name, services by their template name.

    Idempotent: an agency or service mapped already is left as it is. Returns counts.
    """
    from django_tenants.utils import tenant_context

    from sukma.standards.services import (
        TEMPLATE_KIND_CODES,
        TEMPLATE_SERVICE_CODES,
        standard_kinds_seed,
        template_rows,
        template_service_code,
    )
    from sukma.surveys.models import Agency
    from sukma.surveys.structure.mapping import agency_map

    admin = ensure_province_admin()
    standard_kinds_seed(acting_user=admin)
    known = {
        template_service_code(TEMPLATE_KIND_CODES[row["agency"]], row["service"])
        for row in template_rows()
    }
    agencies = services = 0
    with tenant_context(regency), transaction.atomic():
        for agency in Agency.objects.prefetch_related("services"):
            first_word = agency.name.split(" ", 1)[0]
            kind = TEMPLATE_KIND_CODES.get(agency.name) or TEMPLATE_KIND_CODES.get(first_word)
            if kind is None or agency.standard_kind:
                continue
            codes = {
                s.pk: template_service_code(kind, s.name)
                for s in agency.services.all()
                if s.name in TEMPLATE_SERVICE_CODES
                and not s.standard_service
                and template_service_code(kind, s.name) in known
            }
            agency_map(
                acting_user=admin,
                agency=agency,
                standard_kind=kind,
                services=codes,
                regency=regency,
            )
            agencies += 1
            services += len(codes)
    return {"agencies": agencies, "services": services}
