"""Kiosk setup, mounted at /kelola/kiosk/ on a regency's host."""

from django.urls import path

from sukma.surveys.kiosks import views

app_name = "kiosks"

urlpatterns = [
    path("", views.kiosk_list, name="kiosk_list"),
    path("pasang/", views.pairing_new, name="pairing_new"),
    path("kode/<int:pk>/", views.pairing_show, name="pairing_show"),
    path("<int:pk>/ubah/", views.kiosk_rename, name="kiosk_rename"),
    path("<int:pk>/cabut/", views.kiosk_revoke, name="kiosk_revoke"),
]
