"""The control plane's API, on the base domain, for province admins only.

Views check the shape of the input with a serializer, call one service and
describe the result; the services decide and audit. A service's
ValidationError becomes a 400 in sukma.api.errors.
"""

from django.db.models import OuterRef, Prefetch, Subquery
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from sukma.access.models import AuditEvent
from sukma.api import serializers as s
from sukma.api.permissions import IsProvinceAdmin
from sukma.errors import BrokerUnavailable, broker_unavailable
from sukma.platform.models import ProvisioningJob, ReplicationAgreement
from sukma.platform.services.agreements import (
    agreement_attach_document,
    agreement_register,
    agreement_transition,
)
from sukma.platform.services.provisioning import (
    provisioning_progress,
    provisioning_send,
    provisioning_start,
)
from sukma.platform.services.regencies import regency_set_status
from sukma.tenants.models import Domain, Regency, RegencyStatus


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(s.ErrorSerializer, description=description)


DENIED = {401: _error("Not signed in"), 403: _error("Not a province admin")}
INVALID = {400: _error("Invalid input, or a change the rules refuse (nothing changed)")}
NOT_FOUND = {404: _error("No such object")}


def _reads(serializer, summary: str, **extra):
    return extend_schema(summary=summary, responses={200: serializer, **DENIED}, **extra)


def _read_one(serializer, summary: str):
    return extend_schema(summary=summary, responses={200: serializer, **DENIED, **NOT_FOUND})


def _write(summary: str, request, response, code: int = 200, **extra):
    responses = {code: response, **INVALID, **DENIED, **NOT_FOUND}
    return extend_schema(summary=summary, request=request, responses=responses, **extra)


class ControlPlaneViewSet(viewsets.GenericViewSet):
    permission_classes = [IsProvinceAdmin]


# ------------------------------------------------------------------ regencies
@extend_schema(tags=["regencies"])
@extend_schema_view(
    list=_reads(s.RegencySerializer(many=True), "List the regencies"),
    retrieve=_read_one(s.RegencySerializer, "One regency"),
)
class RegencyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ControlPlaneViewSet):
    serializer_class = s.RegencySerializer

    def get_queryset(self):
        primary = Domain.objects.filter(tenant=OuterRef("pk"), is_primary=True)
        newest_first = ReplicationAgreement.objects.order_by("-created_at")
        return Regency.objects.annotate(
            primary_host=Subquery(primary.values("domain")[:1])
        ).prefetch_related(Prefetch("agreements", queryset=newest_first))

    def _move(self, request, target: str) -> Response:
        regency = regency_set_status(
            acting_user=request.user, regency=self.get_object(), status=target
        )
        # Read back through the queryset for the annotated primary domain.
        return Response(self.get_serializer(self.get_queryset().get(pk=regency.pk)).data)

    @_write(
        "Suspend an active regency: its site answers 503, its data is kept",
        None,
        s.RegencySerializer,
    )
    @action(detail=True, methods=["post"])
    def suspend(self, request, pk=None):
        return self._move(request, RegencyStatus.SUSPENDED)

    @_write("Resume a suspended regency", None, s.RegencySerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        return self._move(request, RegencyStatus.ACTIVE)

    @_write("Offboard a regency, for good", None, s.RegencySerializer)
    @action(detail=True, methods=["post"])
    def offboard(self, request, pk=None):
        return self._move(request, RegencyStatus.OFFBOARDED)


# ------------------------------------------------------------------ agreements
@extend_schema(tags=["agreements"])
@extend_schema_view(
    list=_reads(s.AgreementSerializer(many=True), "List the replication agreements"),
    retrieve=_read_one(s.AgreementSerializer, "One agreement"),
)
class AgreementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ControlPlaneViewSet):
    serializer_class = s.AgreementSerializer
    queryset = ReplicationAgreement.objects.select_related("regency")

    @_write(
        "Register a draft agreement, and its regency if the province has none yet",
        {
            "application/json": s.AgreementCreateSerializer,
            "multipart/form-data": s.AgreementCreateFormSerializer,
        },
        s.AgreementSerializer,
        code=201,
        description="JSON, or multipart with the signed PDF as `document`.",
    )
    def create(self, request):
        given = s.AgreementCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        agreement = agreement_register(acting_user=request.user, **given.validated_data)
        return Response(s.AgreementSerializer(agreement).data, status=status.HTTP_201_CREATED)

    @_write(
        "Upload the signed PDF (draft or signed agreements only)",
        {"multipart/form-data": s.AgreementDocumentSerializer},
        s.AgreementSerializer,
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def document(self, request, pk=None):
        given = s.AgreementDocumentSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        agreement = agreement_attach_document(
            acting_user=request.user, agreement=self.get_object(), **given.validated_data
        )
        return Response(s.AgreementSerializer(agreement).data)

    @_write(
        "Move an agreement to another status",
        s.AgreementTransitionSerializer,
        s.AgreementSerializer,
        description="draft → signed (needs the PDF and a signing date) → active → expired; "
        "draft, signed or active → terminated. A refused move changes nothing.",
    )
    @action(detail=True, methods=["post"], parser_classes=[JSONParser, FormParser])
    def transition(self, request, pk=None):
        given = s.AgreementTransitionSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        agreement = agreement_transition(
            acting_user=request.user, agreement=self.get_object(), **given.validated_data
        )
        return Response(s.AgreementSerializer(agreement).data)


# ------------------------------------------------------------------ provisioning
@extend_schema(tags=["provisioning"])
class ProvisioningViewSet(mixins.RetrieveModelMixin, ControlPlaneViewSet):
    queryset = ProvisioningJob.objects.select_related("regency")
    serializer_class = s.ProvisioningProgressSerializer

    @_write(
        "Provision a regency under its signed agreement, in the background",
        s.ProvisioningStartSerializer,
        s.ProvisioningAcceptedSerializer,
        code=202,
        description="Poll `status_url` until `state` is succeeded or failed.",
    )
    def create(self, request):
        given = s.ProvisioningStartSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        # Committed first (a worker must see the job), then sent; the job fails if it cannot be.
        job = provisioning_start(acting_user=request.user, **given.validated_data)
        try:
            task_id = provisioning_send(job)
        except BrokerUnavailable:
            return broker_unavailable(request)
        status_url = request.build_absolute_uri(
            reverse("api-provisioning-detail", kwargs={"pk": job.pk})
        )
        accepted = {"id": job.pk, "task_id": task_id, "status_url": status_url}
        return Response(
            s.ProvisioningAcceptedSerializer(accepted).data,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": status_url},
        )

    @_read_one(s.ProvisioningProgressSerializer, "How far a provisioning job has come")
    def retrieve(self, request, pk=None):
        progress = provisioning_progress(self.get_object())
        return Response(s.ProvisioningProgressSerializer(progress).data)


# ------------------------------------------------------------------ audit log
@extend_schema(tags=["audit"])
@extend_schema_view(
    list=_reads(
        s.AuditEventSerializer(many=True),
        "The audit log, newest first",
        parameters=[s.AuditEventFilterSerializer],
    ),
    retrieve=_read_one(s.AuditEventSerializer, "One audit event"),
)
class AuditEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ControlPlaneViewSet):
    queryset = AuditEvent.objects.select_related("actor")
    serializer_class = s.AuditEventSerializer

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        # As a plain dict: a QueryDict reads an empty `?until=` as "not given".
        given = s.AuditEventFilterSerializer(data=self.request.query_params.dict())
        given.is_valid(raise_exception=True)
        wanted = given.validated_data
        lookups = {
            "regency_id": wanted.get("regency"),
            "action": wanted.get("action"),
            "actor_id": wanted.get("actor"),
            "created_at__gte": wanted.get("since"),
            "created_at__lt": wanted.get("until"),
        }
        return queryset.filter(**{k: v for k, v in lookups.items() if v is not None})
