"""Bulk import of agencies, services and service points from a CSV or XLSX file.

One row names an agency and, optionally, one of its services and one of its
service points. What exists already (matched by name, ignoring case and
extra spaces) is reused, so the same file imported twice creates nothing
twice; a service's expected users are updated when the row gives a new
number. Every row is checked and every error reported with its row number
(as a spreadsheet shows it: the header is row 1) and its column. A file
with any error imports nothing.

Columns (Indonesian headers; the English names in brackets are accepted too):

    jenis_opd (agency_kind)           dinas, badan, rsud, puskesmas, kecamatan,
                                      kelurahan_desa, bagian, lainnya; needed for a new agency
    opd (agency)                      the agency's full name; required
    singkatan (short_name)            optional, e.g. Dispendukcapil
    layanan (service)                 optional: a service of the agency
    pengguna_per_tahun (annual_users) optional: expected users of the service a year
    titik_layanan (service_point)     optional: a counter or place of the agency
    alamat (address)                  optional: the service point's address
"""

import csv
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from sukma import sheets
from sukma.access.audit import audit_record
from sukma.forms import whole_number
from sukma.surveys.models import Agency, AgencyKind, Service, ServicePoint
from sukma.surveys.structure.services import (
    agency_save,
    current_regency,
    service_point_save,
    service_save,
)
from sukma.tenants.models import Regency

MAX_BYTES = 2 * 1024 * 1024  # a regency's whole structure is a few hundred rows
MAX_UNZIPPED_BYTES = 40 * 1024 * 1024  # an XLSX that inflates beyond this is not a table
MAX_ROWS = 5000
MAX_COLUMNS = 50  # the template has seven; a wider sheet is not a structure table
# Shown on the page; the rest counted. A file with a million bad cells made a 165 MB page.
MAX_REPORTED_ERRORS = 200

# Canonical column -> (Indonesian header, accepted spellings).
COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "agency_kind": ("jenis_opd", ("jenis_opd", "jenis", "agency_kind", "kind")),
    "agency": ("opd", ("opd", "nama_opd", "perangkat_daerah", "agency")),
    "short_name": ("singkatan", ("singkatan", "nama_singkat", "short_name")),
    "service": ("layanan", ("layanan", "jenis_layanan", "service")),
    "annual_users": (
        "pengguna_per_tahun",
        ("pengguna_per_tahun", "jumlah_pengguna", "annual_users", "expected_users"),
    ),
    "service_point": ("titik_layanan", ("titik_layanan", "loket", "service_point")),
    "address": ("alamat", ("alamat", "address")),
}
HEADER_ALIASES = {alias: key for key, (_, aliases) in COLUMNS.items() for alias in aliases}
TEMPLATE_HEADER = [header for header, _ in COLUMNS.values()]
TEMPLATE_ROWS = [
    ["dinas", "Dinas Kependudukan dan Pencatatan Sipil", "Dispendukcapil",
     "Perekaman dan Pencetakan KTP-el", "12000", "Loket Utama", "Jl. Ahmad Yani Timur No. 1"],
    ["dinas", "Dinas Kependudukan dan Pencatatan Sipil", "Dispendukcapil",
     "Kartu Keluarga", "9000", "", ""],
    ["rsud", "Rumah Sakit Umum Daerah", "RSUD", "Rawat Jalan", "20000",
     "Pendaftaran Rawat Jalan", ""],
    ["kecamatan", "Kecamatan Besuki", "", "Surat Pengantar dan Legalisasi", "1500",
     "Kantor Kecamatan", ""],
]  # fmt: skip
KIND_ALIASES = {
    "kelurahan": AgencyKind.KELURAHAN_DESA,
    "desa": AgencyKind.KELURAHAN_DESA,
    "kelurahan/desa": AgencyKind.KELURAHAN_DESA,
    "other": AgencyKind.OTHER,
    "lain-lain": AgencyKind.OTHER,
}
LIMITS = {"agency": 200, "short_name": 40, "service": 200, "service_point": 200, "address": 300}
THOUSANDS = re.compile(r"^\d{1,3}([.,\s]\d{3})+$")


class FileProblem(Exception):
    """The file as a whole cannot be read as a table."""


@dataclass(frozen=True)
class RowError:
    row: int
    column: str  # the header as written in the file; "" for the whole row
    message: str


@dataclass
class ImportRow:
    row: int
    agency: str
    agency_kind: str = ""
    short_name: str = ""
    service: str = ""
    annual_users: int | None = None
    service_point: str = ""
    address: str = ""
    headers: dict[str, str] = field(default_factory=dict, repr=False)

    def column(self, canonical: str) -> str:
        """The header of a column as the file wrote it (the template's when it has none)."""
        return self.headers.get(canonical, COLUMNS[canonical][0])


@dataclass
class ImportReport:
    file_error: str = ""
    errors: list[RowError] = field(default_factory=list)
    more_errors: int = 0  # errors found beyond the MAX_REPORTED_ERRORS listed
    rows: int = 0
    agencies_created: int = 0
    services_created: int = 0
    services_updated: int = 0
    points_created: int = 0

    @property
    def ok(self) -> bool:
        return not self.file_error and not self.errors

    @classmethod
    def refused(cls, errors: list[RowError], rows: int) -> "ImportReport":
        """A refused file's report: the first MAX_REPORTED_ERRORS by row, the rest counted."""
        ordered = sorted(errors, key=lambda e: e.row)
        return cls(
            errors=ordered[:MAX_REPORTED_ERRORS],
            more_errors=max(0, len(ordered) - MAX_REPORTED_ERRORS),
            rows=rows,
        )


def key(name: str) -> str:
    """How names are matched: case and runs of spaces do not matter."""
    return " ".join(name.split()).casefold()


# ====================================================================== reading the file
def read_table(filename: str, data: bytes) -> list[list[str]]:
    """The file's rows as lists of strings, header first. FileProblem if it is no table."""
    if not data:
        raise FileProblem(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise FileProblem(
            _("The file is larger than %(mb)s MB; split it into smaller files.")
            % {"mb": MAX_BYTES // (1024 * 1024)}
        )
    lower = filename.lower()
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data)
    if lower.endswith((".xlsx", ".xlsm")):
        raise FileProblem(_("The file is not a valid XLSX workbook."))
    if lower.endswith(".xls") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem(_("Old Excel files (.xls) cannot be read; save it as .xlsx or CSV."))
    return _read_csv(data)


def _read_csv(data: bytes) -> list[list[str]]:
    if b"\x00" in data:
        raise FileProblem(_("The file is not a CSV text file; upload a CSV or XLSX file."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FileProblem(
            _('The file is not in UTF-8; in your spreadsheet choose "CSV UTF-8" when saving.')
        ) from error
    first_line = text.split("\n", 1)[0]
    # Indonesian-locale spreadsheets separate CSV fields with semicolons.
    delimiter = max((",", ";", "\t"), key=first_line.count)
    rows = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            rows.append(row)
            if len(rows) > MAX_ROWS + 1 or _too_wide(row):
                break
    except csv.Error as error:
        raise FileProblem(_("The CSV file is malformed: %(error)s") % {"error": error}) from error
    return rows


def _too_wide(row: list[str]) -> bool:
    if len(row) > MAX_COLUMNS and any(cell.strip() for cell in row[MAX_COLUMNS:]):
        raise FileProblem(
            _("The file has more than %(n)s columns; use the template's columns.")
            % {"n": MAX_COLUMNS}
        )
    return False


def _read_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as error:
        raise FileProblem(_("The file is not a valid XLSX workbook.")) from error
    if inflated > MAX_UNZIPPED_BYTES:
        raise FileProblem(
            _("The workbook is too large once unpacked; split it into smaller files.")
        )
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        rows = []
        # Cells beyond MAX_COLUMNS + 1 are never read into memory: one is enough to refuse.
        for values in sheet.iter_rows(max_col=MAX_COLUMNS + 1, values_only=True):
            cells = [_cell_text(value) for value in values]
            while cells and not cells[-1]:
                cells.pop()  # iter_rows pads every row to max_col
            rows.append(cells)
            if len(rows) > MAX_ROWS + 1 or _too_wide(cells):
                break
        workbook.close()
    except FileProblem:
        raise
    except Exception as error:  # openpyxl raises many kinds on a damaged workbook
        raise FileProblem(_("The file is not a valid XLSX workbook.")) from error
    return rows


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 1500 typed in a cell comes back as 1500.0
    return str(value)


# ====================================================================== checking rows
def parse_rows(table: list[list[str]]) -> tuple[list[ImportRow], list[RowError]]:
    """Shape checks of every row (header included); nothing is read from the database."""
    table = list(table)
    while table and not any(cell.strip() for cell in table[-1]):
        table.pop()  # trailing blank lines that spreadsheets leave behind
    if not table:
        raise FileProblem(_("The file is empty."))
    if len(table) - 1 > MAX_ROWS:
        raise FileProblem(
            _("The file has more than %(n)s rows; split it into smaller files.") % {"n": MAX_ROWS}
        )
    columns, errors = _parse_header(table[0])
    if errors:
        return [], errors
    headers = {canonical: written for written, canonical in columns}
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        values = {
            canonical: " ".join(cells[i].split()) if i < len(cells) else ""
            for i, (_written, canonical) in enumerate(columns)
            if canonical
        }
        row, row_errors = _parse_row(number, values, headers)
        errors += row_errors
        if row is not None:
            rows.append(row)
    if not rows and not errors:
        raise FileProblem(_("The file has a header but no rows."))
    return rows, errors


def _parse_header(header: list[str]) -> tuple[list[tuple[str, str]], list[RowError]]:
    """(header as written, canonical name or "" for a blank column) per column, or errors."""
    columns, errors, seen = [], [], set()
    for written in header:
        written = written.strip()
        normalised = re.sub(r"[\s\-]+", "_", written.lower())
        canonical = HEADER_ALIASES.get(normalised, "")
        if written and not canonical:
            errors.append(RowError(1, written, _("Unknown column. Use the template's headers.")))
        elif canonical and canonical in seen:
            errors.append(RowError(1, written, _("This column appears twice.")))
        seen.add(canonical)
        columns.append((written, canonical))
    if "agency" not in seen:
        errors.append(RowError(1, "opd", _("The column opd (the agency's name) is missing.")))
    return columns, errors


def _parse_row(number, values, headers) -> tuple[ImportRow | None, list[RowError]]:
    errors = []

    def error(column: str, message: str) -> None:
        errors.append(RowError(number, headers.get(column, COLUMNS[column][0]), message))

    for column, limit in LIMITS.items():
        if len(values.get(column, "")) > limit:
            error(column, _("At most %(n)s characters.") % {"n": limit})
    if not values.get("agency"):
        error("agency", _("The agency's name is required."))
    kind = _kind(values.get("agency_kind", ""))
    if kind is None:
        error(
            "agency_kind",
            _("Unknown kind. Use one of: %(kinds)s.") % {"kinds": ", ".join(AgencyKind.values)},
        )
    annual_users = _users(values.get("annual_users", ""))
    if annual_users is None:
        error("annual_users", _("Write a whole number of at least 1, or leave it empty."))
    if values.get("annual_users") and not values.get("service"):
        error("annual_users", _("Expected users belong to a service; fill in layanan."))
    if values.get("address") and not values.get("service_point"):
        error("address", _("An address belongs to a service point; fill in titik_layanan."))
    if errors:
        return None, errors
    return ImportRow(
        row=number,
        agency=values["agency"],
        agency_kind=kind,
        short_name=values.get("short_name", ""),
        service=values.get("service", ""),
        annual_users=annual_users or None,
        service_point=values.get("service_point", ""),
        address=values.get("address", ""),
        headers=headers,
    ), []


def _kind(text: str) -> str | None:
    """ "" for none given, the AgencyKind value, or None when it is unknown."""
    text = text.strip().lower()
    if not text:
        return ""
    if text in AgencyKind.values:
        return text
    labels = {str(label).split(" (")[0].lower(): value for value, label in AgencyKind.choices}
    return KIND_ALIASES.get(text) or labels.get(text)


def _users(text: str) -> int | None:
    """0 for none given, the number, or None when it is no whole number of at least 1."""
    text = text.strip()
    if not text:
        return 0
    if THOUSANDS.match(text):  # 1.500 or 1,500 or 1 500
        text = re.sub(r"[.,\s]", "", text)
    users = whole_number(text)
    return users if users is not None and users >= 1 else None


def check_consistency(rows: list[ImportRow]) -> list[RowError]:
    """Rows that contradict each other or what exists: one agency, two kinds, and the like."""
    existing = {key(a.name): a for a in Agency.objects.all()}
    kinds, short_names, users, addresses = {}, {}, {}, {}
    errors = []

    def differs(seen: dict, slot, value) -> bool:
        return bool(value) and seen.setdefault(slot, value) != value

    for row in rows:
        agency_key = key(row.agency)
        agency = existing.get(agency_key)
        known_kind = agency.kind if agency else kinds.get(agency_key, "")
        if not row.agency_kind and not known_kind:
            errors.append(
                RowError(row.row, row.column("agency_kind"), _("A new agency needs its kind."))
            )
        elif agency and row.agency_kind and row.agency_kind != agency.kind:
            errors.append(
                RowError(
                    row.row,
                    row.column("agency_kind"),
                    _("The agency exists already with another kind."),
                )
            )
        elif differs(kinds, agency_key, row.agency_kind or known_kind):
            errors.append(
                RowError(
                    row.row,
                    row.column("agency_kind"),
                    _("An earlier row gives this agency another kind."),
                )
            )
        if differs(short_names, agency_key, row.short_name):
            errors.append(
                RowError(
                    row.row,
                    row.column("short_name"),
                    _("An earlier row gives this agency another short name."),
                )
            )
        if row.service and differs(users, (agency_key, key(row.service)), row.annual_users):
            errors.append(
                RowError(
                    row.row,
                    row.column("annual_users"),
                    _("An earlier row gives this service another number."),
                )
            )
        if row.service_point and differs(
            addresses, (agency_key, key(row.service_point)), row.address
        ):
            errors.append(
                RowError(
                    row.row,
                    row.column("address"),
                    _("An earlier row gives this service point another address."),
                )
            )
    return errors


# ====================================================================== writing
class _Rollback(Exception):
    pass


class _Writer:
    """Creates what rows name and does not exist yet, and counts what it did."""

    def __init__(self, report: ImportReport):
        self.report = report
        self.agencies = {key(a.name): a for a in Agency.objects.all()}
        self.services = {(s.agency_id, key(s.name)): s for s in Service.objects.all()}
        self.points = {(p.agency_id, key(p.name)): p for p in ServicePoint.objects.all()}

    def agency(self, row: ImportRow) -> Agency:
        agency = self.agencies.get(key(row.agency))
        if agency is None:
            agency = agency_save(
                Agency(), name=row.agency, kind=row.agency_kind, short_name=row.short_name
            )
            self.agencies[key(row.agency)] = agency
            self.report.agencies_created += 1
        elif row.short_name and not agency.short_name:
            agency_save(agency, short_name=row.short_name)
        return agency

    def service(self, row: ImportRow, agency: Agency) -> Service:
        service = self.services.get((agency.pk, key(row.service)))
        if service is None:
            service = service_save(
                Service(agency=agency), name=row.service, annual_users=row.annual_users
            )
            self.services[(agency.pk, key(row.service))] = service
            self.report.services_created += 1
        elif row.annual_users and row.annual_users != service.annual_users:
            service_save(service, annual_users=row.annual_users)
            self.report.services_updated += 1
        return service

    def point(self, row: ImportRow, agency: Agency, service: Service | None) -> None:
        if (agency.pk, key(row.service_point)) in self.points:
            return
        point = service_point_save(
            ServicePoint(agency=agency),
            name=row.service_point,
            address=row.address,
            default_service=service,
        )
        self.points[(agency.pk, key(row.service_point))] = point
        self.report.points_created += 1


# A model field a save complained about -> the import column that carries it.
STAGE_NAME_COLUMNS = {"agency": "agency", "service": "service", "point": "service_point"}
FIELD_COLUMNS = {
    "kind": "agency_kind",
    "short_name": "short_name",
    "annual_users": "annual_users",
    "address": "address",
    "default_service": "service",
}


def _row_errors(row: ImportRow, error: ValidationError, stage: str) -> Iterable[RowError]:
    fields = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
    for name, messages in fields.items():
        canonical = FIELD_COLUMNS.get(name, STAGE_NAME_COLUMNS[stage])
        for message in messages:
            yield RowError(row.row, row.column(canonical), message)


def structure_rows_write(rows: list[ImportRow]) -> ImportReport:
    """Write checked rows inside the caller's transaction; errors are reported, not raised.

    Each row runs in a savepoint, so a row the database refuses leaves the
    transaction usable and the remaining rows are still checked.
    """
    report = ImportReport(rows=len(rows))
    writer = _Writer(report)
    for row in rows:
        stage = "agency"
        try:
            with transaction.atomic():
                agency = writer.agency(row)
                stage = "service"
                service = writer.service(row, agency) if row.service else None
                stage = "point"
                if row.service_point:
                    writer.point(row, agency, service)
        except ValidationError as error:
            report.errors.extend(_row_errors(row, error, stage))
    return report


def structure_import(
    *, acting_user, filename: str, data: bytes, regency: Regency | None = None
) -> ImportReport:
    """Check the whole file, then write it all in one transaction, or nothing at all."""
    regency = current_regency(regency)
    try:
        rows, errors = parse_rows(read_table(filename, data))
    except FileProblem as problem:
        return ImportReport(file_error=str(problem))
    errors += check_consistency(rows)
    if errors:
        return ImportReport.refused(errors, len(rows))
    try:
        with transaction.atomic():
            report = structure_rows_write(rows)
            if report.errors:
                raise _Rollback
            audit_record(
                actor=acting_user,
                action="structure.imported",
                target=regency,
                regency=regency,
                after={
                    "file": filename[:200],
                    "rows": report.rows,
                    "agencies_created": report.agencies_created,
                    "services_created": report.services_created,
                    "services_updated": report.services_updated,
                    "points_created": report.points_created,
                },
            )
    except _Rollback:
        return ImportReport.refused(report.errors, len(rows))
    return report


def template_csv() -> bytes:
    """The downloadable template: the headers and a few example rows, written by
    sukma/sheets.py like every file the product makes (its BOM is read back above)."""
    return b"".join(sheets.csv_stream([TEMPLATE_HEADER, *TEMPLATE_ROWS]))
