"""The regency admin's pages, mounted at /kelola/ on a regency's host."""

from django.urls import path

from sukma.surveys.structure import views

app_name = "surveys_admin"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("opd/", views.agency_list, name="agency_list"),
    path("opd/baru/", views.agency_create, name="agency_create"),
    path("opd/<int:pk>/", views.agency_detail, name="agency_detail"),
    path("opd/<int:pk>/ubah/", views.agency_edit, name="agency_edit"),
    path("opd/<int:agency_pk>/layanan/baru/", views.service_create, name="service_create"),
    path("layanan/<int:pk>/ubah/", views.service_edit, name="service_edit"),
    path("opd/<int:agency_pk>/titik-layanan/baru/", views.point_create, name="point_create"),
    path("titik-layanan/", views.point_list, name="point_list"),
    path("titik-layanan/<int:pk>/ubah/", views.point_edit, name="point_edit"),
    path("periode/", views.period_list, name="period_list"),
    path("periode/tahun/", views.period_create_year, name="period_create_year"),
    path("periode/<int:pk>/kunci/", views.period_lock, name="period_lock"),
    path("kuesioner/", views.questionnaire_page, name="questionnaire"),
    path("kuesioner/tambah/", views.extra_add, name="extra_add"),
    path("kuesioner/<int:pk>/ubah/", views.extra_edit, name="extra_edit"),
    path("kuesioner/<int:pk>/hapus/", views.extra_remove, name="extra_remove"),
    path("bobot/", views.weights_page, name="weights"),
    path("kelompok-kecil/", views.small_groups_page, name="small_groups"),
    path("impor/", views.import_page, name="import"),
    path("impor/templat.csv", views.import_template, name="import_template"),
    path("pemetaan/", views.mapping_list, name="mapping_list"),
    path("pemetaan/opd/<int:pk>/", views.mapping_agency, name="mapping_agency"),
]
