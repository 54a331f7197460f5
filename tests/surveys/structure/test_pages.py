"""The regency admin's pages under /kelola/: who may open them, and what they do."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from sukma.access.models import AuditEvent, Membership, Role, User
from sukma.surveys.models import Agency, Period, Questionnaire, Service, ServicePoint
from sukma.surveys.structure import services as structure
from tests.conftest import KEDIRI_HOST, TULUNGAGUNG_HOST, host_client

pytestmark = pytest.mark.django_db
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


def url(name: str, *args) -> str:
    return reverse(f"surveys_admin:{name}", urlconf="sukma.urls.tenant", args=args)


@pytest.fixture
def structure_of_tulungagung(personas):
    """One agency with a service, a service point, a period and a local question."""
    admin = personas.tulungagung_admin
    connection.set_tenant(personas.tulungagung)
    agency = structure.agency_create(
        acting_user=admin, name="Dinas Kependudukan dan Pencatatan Sipil", kind="dinas"
    )
    service = structure.service_create(
        acting_user=admin, agency=agency, name="Kartu Keluarga", annual_users=9000
    )
    point = structure.service_point_create(
        acting_user=admin, agency=agency, name="Loket 1", default_service=service
    )
    period = structure.period_create(acting_user=admin, kind="month", year=2025, number=1)
    questionnaire = structure.questionnaire_extra_add(
        acting_user=admin,
        extra=structure.ExtraQuestion(kind="text", text_id="Apa yang perlu diperbaiki?"),
    )
    extra = questionnaire.questions.get(position=10)
    connection.set_schema_to_public()
    return {"agency": agency, "service": service, "point": point, "period": period, "extra": extra}


def page_paths(s) -> list[str]:
    return [
        url("overview"),
        url("agency_list"),
        url("agency_create"),
        url("agency_detail", s["agency"].pk),
        url("agency_edit", s["agency"].pk),
        url("service_create", s["agency"].pk),
        url("service_edit", s["service"].pk),
        url("point_list"),
        url("point_create", s["agency"].pk),
        url("point_edit", s["point"].pk),
        url("period_list"),
        url("questionnaire"),
        url("extra_edit", s["extra"].pk),
        url("import"),
        url("import_template"),
    ]


def read_only_paths(s) -> set[str]:
    """The pages an agency operator may open: lists and details, no forms."""
    lists = ("overview", "agency_list", "point_list", "period_list", "questionnaire")
    return {url(name) for name in lists} | {
        url("agency_detail", s["agency"].pk),
        url("import_template"),
    }


@pytest.fixture
def operator(personas, structure_of_tulungagung) -> User:
    user = User.objects.create_user("operator@dispendukcapil.tulungagungkab.go.id", "x-Rahasia-1")
    Membership.objects.create(
        user=user,
        role=Role.AGENCY_OPERATOR,
        regency=personas.tulungagung,
        agency_id=structure_of_tulungagung["agency"].pk,
    )
    return user


# ====================================================================== access
def test_tulungagung_admin_opens_every_admin_page(personas, structure_of_tulungagung):
    client = host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)
    for path in page_paths(structure_of_tulungagung):
        assert client.get(path).status_code == 200, path


def test_anonymous_visitor_is_sent_to_sign_in(personas, structure_of_tulungagung):
    client = host_client(TULUNGAGUNG_HOST)
    for path in page_paths(structure_of_tulungagung):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/masuk/?next="), path


def test_kediri_admin_gets_403_and_no_data_on_tulungagung_pages(personas, structure_of_tulungagung):
    client = host_client(TULUNGAGUNG_HOST, personas.kediri_admin)
    for path in page_paths(structure_of_tulungagung):
        response = client.get(path)
        assert response.status_code == 403, path
        assert b"Kependudukan" not in response.content, path
        assert structure_of_tulungagung["point"].code.encode() not in response.content, path


def test_kediri_admin_cannot_edit_tulungagung_agencies(personas, structure_of_tulungagung):
    agency = structure_of_tulungagung["agency"]
    client = host_client(TULUNGAGUNG_HOST, personas.kediri_admin)
    response = client.post(
        url("agency_edit", agency.pk), {"name": "Diubah", "kind": "badan", "active": "on"}
    )
    assert response.status_code == 403
    assert client.post(url("agency_create"), {"name": "Baru", "kind": "dinas"}).status_code == 403
    assert client.post(url("period_lock", structure_of_tulungagung["period"].pk)).status_code == 403
    connection.set_tenant(personas.tulungagung)
    assert Agency.objects.get().name == "Dinas Kependudukan dan Pencatatan Sipil"
    assert not Period.objects.get().locked


def test_kediri_admins_own_pages_show_none_of_tulungagungs_structure(
    personas, structure_of_tulungagung
):
    client = host_client(KEDIRI_HOST, personas.kediri_admin)
    for name in ("agency_list", "point_list"):
        response = client.get(url(name))
        assert response.status_code == 200
        assert b"Kependudukan" not in response.content
    assert client.get(url("agency_detail", structure_of_tulungagung["agency"].pk)).status_code in (
        404,
        200,  # an agency of Kediri's own may share the id; it is never Tulungagung's
    )


def test_agency_operator_views_lists_but_cannot_edit(operator, structure_of_tulungagung):
    client = host_client(TULUNGAGUNG_HOST, operator)
    read_only = read_only_paths(structure_of_tulungagung)
    for path in page_paths(structure_of_tulungagung):
        expected = 200 if path in read_only else 403
        assert client.get(path).status_code == expected, path
    page = client.get(url("agency_detail", structure_of_tulungagung["agency"].pk)).content
    assert url("agency_edit", structure_of_tulungagung["agency"].pk).encode() not in page
    response = client.post(url("agency_create"), {"name": "Baru", "kind": "dinas"})
    assert response.status_code == 403


# ====================================================================== agencies, services, points
def test_admin_adds_an_agency_a_service_and_a_point_and_sees_its_public_url(personas):
    client = host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)
    response = client.post(
        url("agency_create"),
        {"name": "Dinas Sosial", "short_name": "Dinsos", "kind": "dinas", "active": "on"},
    )
    assert response.status_code == 302
    connection.set_tenant(personas.tulungagung)
    agency = Agency.objects.get(name="Dinas Sosial")
    response = client.post(
        url("service_create", agency.pk),
        {"name": "Pendaftaran DTKS", "annual_users": "4000", "active": "on"},
    )
    assert response.status_code == 302
    service = Service.objects.get(agency=agency)
    assert service.annual_users == 4000
    response = client.post(
        url("point_create", agency.pk),
        {
            "name": "Loket 1",
            "address": "Jl. Pahlawan",
            "default_service": service.pk,
            "active": "on",
        },
    )
    assert response.status_code == 302
    point = ServicePoint.objects.get(agency=agency)
    page = client.get(url("agency_detail", agency.pk)).content.decode()
    assert f"http://{TULUNGAGUNG_HOST}/s/{point.code}/" in page
    assert f"/s/{point.code}/" in client.get(url("point_list")).content.decode()
    actions = set(
        AuditEvent.objects.filter(regency=personas.tulungagung).values_list("action", flat=True)
    )
    assert {"agency.created", "service.created", "service_point.created"} <= actions


def test_a_duplicate_agency_name_is_shown_on_the_form(personas, structure_of_tulungagung):
    client = host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)
    response = client.post(
        url("agency_create"),
        {"name": "Dinas Kependudukan dan Pencatatan Sipil", "kind": "dinas"},
        **ENGLISH,
    )
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    connection.set_tenant(personas.tulungagung)
    assert Agency.objects.count() == 1


def test_admin_edits_a_service_and_a_point_keeps_its_code(personas, structure_of_tulungagung):
    client = host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)
    service, point = structure_of_tulungagung["service"], structure_of_tulungagung["point"]
    client.post(
        url("service_edit", service.pk), {"name": "Kartu Keluarga", "annual_users": "12000"}
    )
    client.post(url("point_edit", point.pk), {"name": "Loket Utama", "address": ""})
    connection.set_tenant(personas.tulungagung)
    assert Service.objects.get(pk=service.pk).annual_users == 12000
    edited = ServicePoint.objects.get(pk=point.pk)
    assert (edited.name, edited.code, edited.active) == ("Loket Utama", point.code, False)


# ====================================================================== periods
def test_admin_creates_a_years_periods_and_locks_an_ended_one(personas):
    client = host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)
    assert client.post(url("period_create_year"), {"year": "2025"}).status_code == 302
    connection.set_tenant(personas.tulungagung)
    assert Period.objects.filter(year=2025).count() == 19
    january = Period.objects.get(kind="month", year=2025, number=1)
    assert client.post(url("period_lock", january.pk)).status_code == 302
    assert Period.objects.get(pk=january.pk).locked
    page = client.get(url("period_list")).content.decode()
    assert url("period_lock", january.pk) not in page


def test_a_period_that_has_not_ended_is_not_locked_and_the_page_says_why(personas):
    client = host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)
    client.post(url("period_create_year"), {"year": "2099"})
    connection.set_tenant(personas.tulungagung)
    year = Period.objects.get(kind="year", year=2099)
    response = client.post(url("period_lock", year.pk), follow=True, **ENGLISH)
    assert "after its last day" in response.content.decode()
    assert not Period.objects.get(pk=year.pk).locked


def test_a_year_outside_the_range_is_refused(personas):
    client = host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)
    response = client.post(url("period_create_year"), {"year": "1999"})
    assert response.status_code == 200
    assert response.context["year_form"].errors["year"]


# ====================================================================== questionnaire
def test_questionnaire_page_shows_the_nine_locked_elements(personas):
    client = host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)
    page = client.get(url("questionnaire")).content.decode()
    for code in ("U1", "U4", "U9"):
        assert f"<strong>{code}</strong>" in page
    assert "Sangat mahal" in page


def test_adding_editing_and_removing_an_extra_each_make_a_version(personas):
    client = host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)
    response = client.post(
        url("extra_add"),
        {
            "kind": "choice",
            "text_id": "Dari mana Anda tahu layanan ini?",
            "choices_id": "TV\nRadio\nTeman",
        },
    )
    assert response.status_code == 302
    connection.set_tenant(personas.tulungagung)
    extra = Questionnaire.objects.get(is_current=True).questions.get(position=10)
    assert extra.choices[0] == ["TV", "Radio", "Teman"]
    client.post(url("extra_edit", extra.pk), {"kind": "text", "text_id": "Saran Anda?"})
    edited = Questionnaire.objects.get(is_current=True).questions.get(position=10)
    assert (edited.kind, edited.text_id) == ("text", "Saran Anda?")
    client.post(url("extra_remove", edited.pk))
    current = Questionnaire.objects.get(is_current=True)
    assert current.version == 4
    assert current.questions.count() == 9


def test_an_element_cannot_be_edited_or_removed_through_the_pages(personas):
    client = host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)
    connection.set_tenant(personas.tulungagung)
    u1 = Questionnaire.objects.get(is_current=True).questions.get(element_code="U1")
    assert client.get(url("extra_edit", u1.pk)).status_code == 302
    client.post(url("extra_edit", u1.pk), {"kind": "text", "text_id": "Diubah"})
    client.post(url("extra_remove", u1.pk))
    assert Questionnaire.objects.count() == 1
    assert Questionnaire.objects.get().questions.get(element_code="U1").text_id != "Diubah"


def test_a_choice_extra_with_one_answer_shows_the_error(personas):
    client = host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)
    response = client.post(
        url("extra_add"), {"kind": "choice", "text_id": "Pilih", "choices_id": "Ya"}, **ENGLISH
    )
    assert response.status_code == 200
    assert response.context["form"].errors["choices_id"]


# ====================================================================== import
def upload(content: bytes, name: str = "opd.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_import_page_imports_a_good_file(personas):
    client = host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)
    data = b"jenis_opd,opd,layanan,titik_layanan\ndinas,Dinas Sosial,DTKS,Loket 1\n"
    response = client.post(url("import"), {"file": upload(data)})
    assert response.status_code == 200
    assert response.context["report"].ok
    connection.set_tenant(personas.tulungagung)
    assert ServicePoint.objects.get().agency.name == "Dinas Sosial"


def test_import_page_lists_each_error_with_row_and_column_and_imports_nothing(personas):
    client = host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)
    data = b"jenis_opd,opd,pengguna_per_tahun,layanan\ndinas,Dinas Sosial,,DTKS\nx,Dinas Y,,\n"
    response = client.post(url("import"), {"file": upload(data)}, **ENGLISH)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Nothing was imported" in body
    assert '<td data-label="Row">3</td><td data-label="Column">jenis_opd</td>' in body
    connection.set_tenant(personas.tulungagung)
    assert Agency.objects.count() == 0


def test_import_page_explains_a_file_that_is_no_table(personas):
    client = host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)
    response = client.post(
        url("import"), {"file": upload(b"PK\x03\x04broken", "opd.xlsx")}, **ENGLISH
    )
    assert response.status_code == 200
    assert "not a valid XLSX" in response.content.decode()


def test_the_import_template_downloads_as_csv(personas):
    client = host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)
    response = client.get(url("import_template"))
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())  # the BOM: Excel reads UTF-8
    assert response.content.decode("utf-8-sig").startswith("jenis_opd,opd,singkatan,layanan")
