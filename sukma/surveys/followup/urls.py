"""Follow-up plan (RTL) pages, mounted at rtl/ on a regency's host."""

from django.urls import path

from sukma.surveys.followup import views

app_name = "followup"

urlpatterns = [
    path("", views.plan_list, name="plan_list"),
    path("mulai/", views.plan_start, name="plan_start"),
    path("<int:pk>/", views.plan_detail, name="plan_detail"),
    path("bukti/<int:pk>/", views.evidence_download, name="evidence"),
]
