"""/api/v1/ on the base domain: the control plane."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from sukma.api import views_control
from sukma.api.auth import ObtainTokenView

router = SimpleRouter()
router.register("regencies", views_control.RegencyViewSet, basename="api-regency")
router.register("agreements", views_control.AgreementViewSet, basename="api-agreement")
router.register("provisioning", views_control.ProvisioningViewSet, basename="api-provisioning")
router.register("audit-events", views_control.AuditEventViewSet, basename="api-audit-event")

urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    *router.urls,
]
