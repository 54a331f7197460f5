"""A regency's own subdomain: its citizens' pages, its admins' pages, its API."""

from django.urls import include, path

from sukma.surveys import views, views_citizen
from sukma.urls.common import common_patterns

urlpatterns = [
    path("", views.regency_home, name="home"),
    path("s/<str:code>/", views_citizen.survey, name="citizen_survey"),
    path("s/<str:code>/terima-kasih/", views_citizen.thanks, name="citizen_thanks"),
    path("api/v1/", include("sukma.api.urls_tenant")),
    *common_patterns("sukma.urls.tenant"),
]
