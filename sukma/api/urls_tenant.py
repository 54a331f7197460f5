"""/api/v1/ on a regency's subdomain: that regency's own data."""

from django.urls import path

from sukma.api.auth import ObtainTokenView
from sukma.api.views_tenant import CurrentRegencyView

urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("regency/", CurrentRegencyView.as_view(), name="api-regency"),
]
