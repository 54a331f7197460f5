"""/api/v1/ on the base domain: the control plane."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from sukma.api import views_control, views_rankings
from sukma.api.auth import ObtainTokenView, TokenDetailView, TokenListView

router = SimpleRouter()
router.register("regencies", views_control.RegencyViewSet, basename="api-regency")
router.register("agreements", views_control.AgreementViewSet, basename="api-agreement")
router.register("provisioning", views_control.ProvisioningViewSet, basename="api-provisioning")
router.register("audit-events", views_control.AuditEventViewSet, basename="api-audit-event")

urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("auth/tokens/", TokenListView.as_view(), name="api-tokens"),
    path("auth/tokens/<int:id>/", TokenDetailView.as_view(), name="api-token-detail"),
    path("rankings/", views_rankings.RankingView.as_view(), name="api-rankings"),
    path(
        "rankings/refresh/",
        views_rankings.RankingRefreshView.as_view(),
        name="api-rankings-refresh",
    ),
    path(
        "rankings/refresh/<uuid:pk>/",
        views_rankings.RankingRefreshDetailView.as_view(),
        name="api-rankings-refresh-detail",
    ),
    *router.urls,
]
