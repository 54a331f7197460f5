"""/api/v1/ on a regency's subdomain: that regency's own data."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from sukma.api import views_reports, views_survey
from sukma.api.auth import ObtainTokenView, TokenDetailView, TokenListView
from sukma.api.views_tenant import CurrentRegencyView

router = SimpleRouter()
router.register("agencies", views_survey.AgencyViewSet, basename="api-agency")
router.register("services", views_survey.ServiceViewSet, basename="api-service")
router.register("service-points", views_survey.ServicePointViewSet, basename="api-service-point")
router.register("periods", views_survey.PeriodViewSet, basename="api-period")
router.register("responses", views_survey.ResponseViewSet, basename="api-response")

urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("auth/tokens/", TokenListView.as_view(), name="api-tokens"),
    path("auth/tokens/<int:id>/", TokenDetailView.as_view(), name="api-token-detail"),
    path("regency/", CurrentRegencyView.as_view(), name="api-regency"),
    path(
        "questionnaire/",
        views_survey.CurrentQuestionnaireView.as_view(),
        name="api-questionnaire",
    ),
    path(
        "questionnaire/<int:version>/",
        views_survey.QuestionnaireVersionView.as_view(),
        name="api-questionnaire-version",
    ),
    path("device-token/", views_survey.DeviceTokenView.as_view(), name="api-device-token"),
    path("ikm/", views_survey.IkmView.as_view(), name="api-ikm"),
    path("reports/", views_reports.ReportListView.as_view(), name="api-reports"),
    path("reports/<int:id>/", views_reports.ReportDetailView.as_view(), name="api-report"),
    path(
        "reports/<int:id>/download/",
        views_reports.ReportDownloadView.as_view(),
        name="api-report-download",
    ),
    *router.urls,
]
