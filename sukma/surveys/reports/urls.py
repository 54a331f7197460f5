"""/laporan/ on a regency's subdomain: the laporan SKM (PDF and XLSX)."""

from django.urls import path

from sukma.surveys.reports import views

urlpatterns = [
    path("minta/", views.report_ask, name="report_ask"),
    path("pengaturan/", views.report_settings_page, name="report_settings"),
    path("<int:report_id>/", views.report_detail, name="report_detail"),
    path("<int:report_id>/unduh/", views.report_download, name="report_download"),
]
