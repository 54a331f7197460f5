"""The provincial rankings over REST, for province admins, on the base domain.

GET /api/v1/rankings/?period=quarter:2026:3&level=regency|agency|service&kind=<code>
reads a stored ranking (sukma.platform.rankings.ranking.ranking_read);
POST /api/v1/rankings/refresh/ starts a refresh (202 with its id), or joins the one already
waiting or running (202 with that one's id, `joined` true), and
GET /api/v1/rankings/refresh/{id}/ shows how far it has come.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from sukma.api.permissions import IsProvinceAdmin
from sukma.api.serializers import ErrorSerializer, InputSerializer
from sukma.errors import BrokerUnavailable, TooManyRequests, broker_unavailable, too_many_requests
from sukma.platform.rankings import services
from sukma.platform.rankings.models import RefreshKind, RefreshRun, RunState
from sukma.platform.rankings.ranking import LEVELS, REGENCY, RankPeriod, ranking_read
from sukma.platform.rankings.services import refresh_progress, refresh_request


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


DENIED = {401: _error("Not signed in"), 403: _error("Not a province admin")}


# ------------------------------------------------------------------ serializers
class RankingQuerySerializer(serializers.Serializer):
    period = serializers.CharField(
        help_text="kind:year:number, e.g. quarter:2026:3, month:2026:11, semester:2026:1, "
        "year:2026. Every period is whole months."
    )
    level = serializers.ChoiceField(choices=LEVELS, default=REGENCY)
    kind = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="A standard agency kind's code (level agency) or a standard service's code "
        "(level service). Without it every code's rows come, each ranked within its code.",
    )

    def validate_period(self, value):
        try:
            return RankPeriod.parse(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None


class RankingRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField(
        allow_null=True, help_text="Shared by ties (1, 2, 2, 4); null when not ranked."
    )
    unranked_reason = serializers.ChoiceField(
        choices=["no_responses", "no_index", "short_sample"], allow_null=True
    )
    reason = serializers.CharField(allow_blank=True, help_text="Why not ranked, in words.")
    code = serializers.CharField(required=False, help_text="The standard code (agency, service).")
    regency_id = serializers.IntegerField()
    regency_name = serializers.CharField()
    regency_code = serializers.CharField()
    agency_id = serializers.IntegerField(required=False)
    agency_name = serializers.CharField(required=False)
    service_id = serializers.IntegerField(required=False)
    service_name = serializers.CharField(required=False)
    ikm = serializers.DecimalField(max_digits=5, decimal_places=4, allow_null=True)
    konversi = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    mutu = serializers.ChoiceField(choices=["A", "B", "C", "D"], allow_null=True)
    complete = serializers.BooleanField()
    missing_elements = serializers.ListField(child=serializers.CharField())
    responses = serializers.IntegerField()
    population = serializers.IntegerField(
        allow_null=True, help_text="Expected users in the period; null if unknown."
    )
    target = serializers.IntegerField(help_text="Krejcie & Morgan sample target.")
    margin_of_error = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    short = serializers.BooleanField()
    shortfall = serializers.IntegerField()
    previous_konversi = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    change = serializers.DecimalField(
        max_digits=6,
        decimal_places=2,
        allow_null=True,
        help_text="Konversi minus the previous period's of the same length.",
    )


class RankingSerializer(serializers.Serializer):
    period = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    level = serializers.ChoiceField(choices=LEVELS)
    kind = serializers.CharField(allow_null=True)
    policy = serializers.CharField(help_text="Weight policy of every figure: exact (1/9).")
    computed_at = serializers.DateTimeField(allow_null=True)
    rows = RankingRowSerializer(many=True)


class RefreshStartSerializer(InputSerializer):
    kind = serializers.ChoiceField(choices=RefreshKind.choices, default=RefreshKind.INCREMENTAL)


class RefreshAcceptedSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status_url = serializers.URLField()
    joined = serializers.BooleanField(
        help_text="True when a refresh was already waiting or running: no new one was "
        "started, and `id` is that refresh's."
    )
    detail = serializers.CharField(allow_blank=True)


class RefreshProgressSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=RefreshKind.choices)
    state = serializers.ChoiceField(choices=RunState.choices)
    regencies_total = serializers.IntegerField()
    regencies_done = serializers.IntegerField()
    percent = serializers.IntegerField(min_value=0, max_value=100)
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    error = serializers.CharField(allow_blank=True)


# ------------------------------------------------------------------ views
class RankingView(APIView):
    permission_classes = [IsProvinceAdmin]

    @extend_schema(
        tags=["rankings"],
        summary="A provincial ranking for a period",
        parameters=[RankingQuerySerializer],
        responses={
            200: RankingSerializer,
            400: _error("A bad period, level or kind"),
            **DENIED,
        },
    )
    def get(self, request):
        given = RankingQuerySerializer(data=request.query_params)
        given.is_valid(raise_exception=True)
        wanted = given.validated_data
        ranking = ranking_read(
            period=wanted["period"], level=wanted["level"], kind=wanted.get("kind") or None
        )
        start, end = ranking.period.bounds
        body = {
            "period": ranking.period.key,
            "starts_on": start,
            "ends_on": end,
            "level": ranking.level,
            "kind": ranking.code,
            "policy": ranking.policy,
            "computed_at": ranking.computed_at,
            "rows": ranking.rows_for_display(),
        }
        return Response(RankingSerializer(body).data)


class RankingRefreshView(APIView):
    permission_classes = [IsProvinceAdmin]

    @extend_schema(
        tags=["rankings"],
        summary="Refresh the rankings now, in the background",
        request=RefreshStartSerializer,
        responses={
            202: RefreshAcceptedSerializer,
            400: _error("A bad kind"),
            429: _error("Too many refreshes started by this user lately; see Retry-After"),
            503: _error("The work queue cannot be reached; nothing was started"),
            **DENIED,
        },
        description="Rolls up every active regency, then recomputes the rankings. "
        "One refresh at a time: while one is waiting or running, the request joins it "
        "(`joined` true, that refresh's id; nothing new is started). Each user may start "
        "a limited number of refreshes per hour (429 with Retry-After beyond it). "
        "Poll `status_url` until `state` is done or failed.",
    )
    def post(self, request):
        given = RefreshStartSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            run, created = refresh_request(
                acting_user=request.user, kind=given.validated_data["kind"]
            )
        except TooManyRequests as error:
            return too_many_requests(request, error)
        if created:
            try:
                services.refresh_send(run)
            except BrokerUnavailable:
                return broker_unavailable(request)
        status_url = request.build_absolute_uri(
            reverse("api-rankings-refresh-detail", kwargs={"pk": run.pk})
        )
        return Response(
            RefreshAcceptedSerializer(
                {
                    "id": run.pk,
                    "status_url": status_url,
                    "joined": not created,
                    "detail": "" if created else services.REFRESH_JOINED,
                }
            ).data,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": status_url},
        )


class RankingRefreshDetailView(APIView):
    permission_classes = [IsProvinceAdmin]

    @extend_schema(
        tags=["rankings"],
        summary="How far a refresh has come",
        responses={200: RefreshProgressSerializer, 404: _error("No such refresh"), **DENIED},
    )
    def get(self, request, pk):
        run = get_object_or_404(RefreshRun, pk=pk)
        return Response(RefreshProgressSerializer(refresh_progress(run)).data)
