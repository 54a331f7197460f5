"""Complaints' routes: the operators' inbox (included under pengaduan/) and the
citizen's tracking pages (``citizen_patterns``, at the regency's root: lacak/<code>)."""

from django.urls import path

from sukma.surveys.complaints import views

app_name = "complaints"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("unduh.csv", views.export, {"fmt": "csv"}, name="export_csv"),
    path("unduh.xlsx", views.export, {"fmt": "xlsx"}, name="export_xlsx"),
    path("<int:pk>/", views.case_page, name="case"),
]

citizen_patterns = [
    path("lacak/", views.track_form, name="complaints_track_form"),
    path("lacak/<str:code>", views.track, name="complaints_track"),
    path("lacak/<str:code>/", views.track),
]
