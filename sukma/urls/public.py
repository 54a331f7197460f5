"""The base domain: the province's control plane."""

from django.contrib import admin
from django.urls import include, path, re_path
from django_otp.admin import OTPAdminSite

from sukma.access.people import PERSON_ACTION_SLUGS
from sukma.platform import views
from sukma.platform.views import (
    agreements,
    audit,
    people,
    periods,
    provisioning,
    rankings,
    regencies,
    standards,
    task_failures,
)
from sukma.urls.common import (  # noqa: F401 (Django reads the handlers here)
    common_patterns,
    handler400,
    handler403,
    handler404,
    handler500,
)

# The province's pages; paths are Indonesian like the rest of the site.
province_patterns = [
    path("kabupaten-kota/", regencies.regency_list, name="regency_list"),
    path("kabupaten-kota/<int:pk>/", regencies.regency_detail, name="regency_detail"),
    path("kabupaten-kota/<int:pk>/status/", regencies.regency_status, name="regency_status"),
    path("kabupaten-kota/<int:pk>/provisi/", provisioning.provision, name="provision"),
    path("kabupaten-kota/<int:pk>/periode/", periods.regency_periods, name="regency_periods"),
    path(
        "kabupaten-kota/<int:pk>/periode/<int:period_id>/buka/",
        periods.period_reopen,
        name="period_reopen",
    ),
    path("provisi/<uuid:pk>/", provisioning.provisioning_job, name="provisioning_job"),
    path("perjanjian/baru/", agreements.agreement_create, name="agreement_create"),
    path("perjanjian/<int:pk>/", agreements.agreement_detail, name="agreement_detail"),
    path("perjanjian/<int:pk>/dokumen/", agreements.agreement_document, name="agreement_document"),
    path("perjanjian/<int:pk>/status/", agreements.agreement_status, name="agreement_status"),
    path("audit/", audit.audit_log, name="audit_log"),
    path("tugas-gagal/", task_failures.task_failure_list, name="task_failure_list"),
    path(
        "tugas-gagal/<int:pk>/ditangani/",
        task_failures.task_failure_handled,
        name="task_failure_handled",
    ),
    path("orang/", people.province_people, name="province_people"),
    path("orang/undang/", people.province_person_invite, name="province_person_invite"),
    path("orang/<int:pk>/peran/", people.province_person_role, name="province_person_role"),
    re_path(
        rf"^orang/(?P<pk>[0-9]+)/(?P<action>{PERSON_ACTION_SLUGS})/$",
        people.province_person_action,
        name="province_person_action",
    ),
]


# The provincial rankings, their standard lists and downloads (province admins).
ranking_patterns = [
    path("peringkat/", rankings.rankings, name="rankings"),
    path(
        "peringkat/unduh.csv",
        rankings.ranking_download,
        {"fmt": "csv"},
        name="ranking_download_csv",
    ),
    path(
        "peringkat/unduh.xlsx",
        rankings.ranking_download,
        {"fmt": "xlsx"},
        name="ranking_download_xlsx",
    ),
    path("peringkat/kabupaten-kota/<int:pk>/", rankings.ranking_regency, name="ranking_regency"),
    path(
        "peringkat/kabupaten-kota/<int:pk>/opd/<int:agency_id>/",
        rankings.ranking_agency,
        name="ranking_agency",
    ),
    path(
        "peringkat/kabupaten-kota/<int:pk>/layanan/<int:service_id>/",
        rankings.ranking_service,
        name="ranking_service",
    ),
    path("peringkat/segarkan/", rankings.ranking_refresh, name="ranking_refresh"),
    path(
        "peringkat/segarkan/<uuid:pk>/",
        rankings.ranking_refresh_progress,
        name="ranking_refresh_progress",
    ),
    path("peringkat/standar/", standards.standard_list, name="standard_list"),
    path("peringkat/standar/templat/", standards.standard_seed, name="standard_seed"),
    path(
        "peringkat/standar/jenis/baru/",
        standards.standard_kind_create,
        name="standard_kind_create",
    ),
    path(
        "peringkat/standar/jenis/<int:pk>/",
        standards.standard_kind_edit,
        name="standard_kind_edit",
    ),
    path(
        "peringkat/standar/jenis/<int:pk>/layanan/baru/",
        standards.standard_service_create,
        name="standard_service_create",
    ),
    path(
        "peringkat/standar/layanan/<int:pk>/",
        standards.standard_service_edit,
        name="standard_service_edit",
    ),
]

# /admin/ lets in only sessions that passed the second factor (django-otp's documented way).
admin.site.__class__ = OTPAdminSite

urlpatterns = [
    path("", views.home, name="home"),
    path("hasil/", rankings.province_results, name="province_results"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("sukma.api.urls_public")),
    # The demo's mailbox; it answers 404 unless settings.DEMO_MAILBOX (the demo's settings).
    path("surat/", include("sukma.demo.urls")),
    *province_patterns,
    *ranking_patterns,
    *common_patterns("sukma.urls.public"),
]
