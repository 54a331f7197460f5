"""A regency's own subdomain: its citizens' pages, its admins' pages, its API."""

from django.urls import include, path

from sukma.surveys.citizen import assisted, kiosk, pwa
from sukma.surveys.citizen import views as citizen
from sukma.surveys.complaints.urls import citizen_patterns as complaint_tracking
from sukma.surveys.dashboard import views as dashboard
from sukma.surveys.results import views as results
from sukma.urls.common import (  # noqa: F401 (Django reads the handlers here)
    common_patterns,
    handler400,
    handler403,
    handler404,
    handler500,
)

urlpatterns = [
    path("", results.regency_home, name="home"),
    path("s/<str:code>/", citizen.survey, name="citizen_survey"),
    path("s/<str:code>/terima-kasih/", citizen.thanks, name="citizen_thanks"),
    path("sw.js", pwa.service_worker, name="pwa_worker"),
    path("manifest.webmanifest", pwa.manifest, name="pwa_manifest"),
    path("kiosk/", kiosk.kiosk_page, name="kiosk"),
    path("kiosk/pasang/", kiosk.kiosk_pair_page, name="kiosk_pair"),
    path("kiosk/terima-kasih/", kiosk.kiosk_thanks, name="kiosk_thanks"),
    path("dasbor/", dashboard.regency_dashboard, name="dashboard"),
    path("dasbor/opd/<int:agency_id>/", dashboard.agency_dashboard, name="dashboard_agency"),
    path("dasbor/respons/", dashboard.flagged_list, name="dashboard_responses"),
    path("poster/titik/<int:point_id>.pdf", dashboard.poster_point, name="poster_point"),
    path("poster/opd/<int:agency_id>.pdf", dashboard.poster_agency, name="poster_agency"),
    path("hasil/", results.public_results, name="public_results"),
    path("laporan/", include("sukma.surveys.reports.urls")),
    *complaint_tracking,
    path("pengaduan/", include("sukma.surveys.complaints.urls")),
    path("api/v1/", include("sukma.api.urls_tenant")),
    path("kelola/kiosk/", include("sukma.surveys.kiosks.urls")),
    path("kelola/bantuan/", assisted.assisted_choose, name="assisted_choose"),
    path("kelola/bantuan/<str:code>/", assisted.assisted_survey, name="assisted_survey"),
    path("kelola/bantuan/<str:code>/tersimpan/", assisted.assisted_done, name="assisted_done"),
    path("kelola/orang/", include("sukma.surveys.people.urls")),
    path("kelola/", include("sukma.surveys.structure.urls")),
    path("rtl/", include("sukma.surveys.followup.urls")),
    *common_patterns("sukma.urls.tenant"),
]
