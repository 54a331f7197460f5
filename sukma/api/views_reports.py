"""The laporan SKM through a regency's API: ask for a report, watch it, download it.

POST /reports/ asks (202 with the request's id and state; the same id when
a file for the same data is already made or on its way), GET /reports/{id}/
tells its state and progress, GET /reports/{id}/download/ returns the file
once done (409 before). Regency admins may ask for any report, agency
operators only for their own agency and its services.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from sukma.access.permissions import scope_for
from sukma.api.permissions import WorksInThisRegency
from sukma.api.serializers import ErrorSerializer, InputSerializer
from sukma.errors import BrokerUnavailable, TooManyRequests, broker_unavailable, too_many_requests
from sukma.surveys.models import Period
from sukma.surveys.reports.models import ReportFile, ReportFormat, ReportScope, ReportState
from sukma.surveys.reports.selectors import download_name
from sukma.surveys.reports.services import report_access_check, report_request


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


DENIED = {
    401: _error("Not signed in"),
    403: _error("Not a regency admin, or an operator asking for another agency's report"),
}
NOT_FOUND = {404: _error("No such report")}


# The same choices as the IKM's scope, so the schema has one enum for both.
SCOPES = list(ReportScope.values)


class ReportRequestSerializer(InputSerializer):
    scope = serializers.ChoiceField(choices=SCOPES)
    scope_id = serializers.IntegerField(
        min_value=0, default=0, help_text="The agency's or service's id; 0 for the regency."
    )
    period = serializers.PrimaryKeyRelatedField(queryset=Period.objects.all())
    format = serializers.ChoiceField(choices=ReportFormat.choices)


class ReportSerializer(serializers.ModelSerializer):
    scope = serializers.ChoiceField(choices=SCOPES, read_only=True)
    format = serializers.CharField(source="fmt", read_only=True)
    download = serializers.SerializerMethodField()

    class Meta:
        model = ReportFile
        fields = [
            "id",
            "scope",
            "scope_id",
            "period",
            "format",
            "state",
            "progress",
            "fingerprint",
            "created_at",
            "finished_at",
            "download",
        ]

    def get_download(self, report) -> str | None:
        if report.state != ReportState.DONE:
            return None
        return self.context["request"].build_absolute_uri(f"/api/v1/reports/{report.pk}/download/")


def _limit(request):
    scope = scope_for(request.user, getattr(request, "tenant", None))
    return frozenset() if scope is None else scope.limit


def _visible_report(request, report_id: int) -> ReportFile:
    report = get_object_or_404(ReportFile, pk=report_id)
    try:
        report_access_check(
            scope_limit=_limit(request), scope=report.scope, scope_id=report.scope_id
        )
    except DjangoPermissionDenied as error:
        raise exceptions.PermissionDenied() from error
    return report


class ReportListView(APIView):
    permission_classes = [WorksInThisRegency]

    @extend_schema(
        tags=["reports"],
        summary="Ask for the laporan SKM of the regency, an agency or a service",
        description="Answers 202 with the request. A file already made (or being made) for "
        "the same data is returned instead of a new one: its fingerprint changes with every "
        "response, exclusion, lock or follow-up plan change. Poll the request until its "
        "state is `done`, then download it.",
        request=ReportRequestSerializer,
        responses={
            202: ReportSerializer,
            400: _error("Invalid input (nothing queued)"),
            429: _error("Too many new reports asked for by this user lately; see Retry-After"),
            503: _error("The work queue cannot be reached; nothing was started"),
            **DENIED,
        },
    )
    def post(self, request):
        given = ReportRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        wanted = given.validated_data
        try:
            report, _created = report_request(
                acting_user=request.user,
                scope=wanted["scope"],
                scope_id=wanted["scope_id"],
                period=wanted["period"],
                fmt=wanted["format"],
                scope_limit=_limit(request),
            )
        except BrokerUnavailable:
            return broker_unavailable(request)
        except TooManyRequests as error:
            return too_many_requests(request, error)
        return Response(
            ReportSerializer(report, context={"request": request}).data,
            status=status.HTTP_202_ACCEPTED,
        )


class ReportDetailView(APIView):
    permission_classes = [WorksInThisRegency]

    @extend_schema(
        tags=["reports"],
        summary="A report request: its state and progress",
        responses={200: ReportSerializer, **DENIED, **NOT_FOUND},
    )
    def get(self, request, id: int):
        report = _visible_report(request, id)
        return Response(ReportSerializer(report, context={"request": request}).data)


class ReportDownloadView(APIView):
    permission_classes = [WorksInThisRegency]

    @extend_schema(
        tags=["reports"],
        summary="The report's file (PDF or XLSX), once done",
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): (
                OpenApiTypes.BINARY
            ),
            409: _error("Not done yet"),
            **DENIED,
            **NOT_FOUND,
        },
    )
    def get(self, request, id: int):
        report = _visible_report(request, id)
        if report.state != ReportState.DONE or not report.file:
            return Response(
                {"detail": "The report is not ready yet.", "errors": {}},
                status=status.HTTP_409_CONFLICT,
            )
        return FileResponse(
            report.file.open("rb"),
            as_attachment=True,
            filename=download_name(report, request.tenant),
        )
