"""A regency's survey through its own API, on its own host.

- Structure (agencies, services, service points, periods): regency admins and
  agency operators read (an operator sees only their agency's objects);
  regency admins write, through sukma.surveys.structure.services (audited).
- The questionnaire: anyone may read it; citizens' apps need it.
- Responses: anyone may post one, with the citizen page's protections (the
  same per-address rate limit, honeypot and device token, shared with
  sukma.surveys.citizen.views); regency admins list and moderate them.
- Figures: regency admins, and operators for their own agency.

Views check shapes with a serializer, call one service or selector and
describe the result; rules and audit live in the services.
"""

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from sukma.access.permissions import scope_for
from sukma.api import serializers_survey as s
from sukma.api.permissions import AdminsThisRegency, WorksInThisRegency
from sukma.api.serializers import ErrorSerializer
from sukma.surveys.breakdowns import breakdowns, min_group_size
from sukma.surveys.citizen.forms import (
    HONEYPOT,
    PROFILE_LABELS,
    SCALE_POINTS,
    extra_choice_labels,
)
from sukma.surveys.citizen.protection import (
    RATE_WINDOW,
    client_address,
    device_token,
    set_device_cookie,
    signed_device_token,
    started_at,
    started_stamp,
    submissions_over_limit,
    verified_device_token,
)
from sukma.surveys.citizen.submission import Submission, answers_from_pairs, response_submit
from sukma.surveys.dashboard.moderation import response_exclude, response_include
from sukma.surveys.method.elements import ELEMENTS
from sukma.surveys.models import (
    PROFILE_FIELDS,
    Agency,
    Period,
    Question,
    QuestionKind,
    Questionnaire,
    Service,
    ServicePoint,
)
from sukma.surveys.models import Response as SurveyResponse
from sukma.surveys.selectors import (
    agency_figure,
    regency_figure,
    service_figure,
)
from sukma.surveys.structure import services as structure
from sukma.surveys.structure.selectors import questionnaire_current

DEVICE_HEADER = "X-Device-Token"


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


DENIED = {
    401: _error("Not signed in"),
    403: _error("Not a regency admin or agency operator of this regency"),
}
ADMIN_ONLY = {401: _error("Not signed in"), 403: _error("Not a regency admin of this regency")}
INVALID = {400: _error("Invalid input, or a change the rules refuse (nothing changed)")}
NOT_FOUND = {404: _error("No such object (or not one of the operator's agency)")}


def _english() -> bool:
    return (get_language() or "id").startswith("en")


# ====================================================================== structure
class RegencyStaffViewSet(viewsets.GenericViewSet):
    """Reads for admins and operators (operators: their agencies only); writes for admins."""

    reads = ("list", "retrieve")
    agency_lookup = "agency_id"  # the field that ties a row to its agency
    filter_serializer = s.StructureFilterSerializer

    def get_permissions(self):
        if self.action in self.reads:
            return [WorksInThisRegency()]
        return [AdminsThisRegency()]

    def agency_limit(self) -> frozenset[int] | None:
        scope = scope_for(self.request.user, getattr(self.request, "tenant", None))
        return frozenset() if scope is None else scope.limit

    def get_queryset(self):
        queryset = self.model.objects.all()
        limit = self.agency_limit()
        if limit is not None:
            queryset = queryset.filter(**{f"{self.agency_lookup}__in": limit})
        return queryset

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        given = self.filter_serializer(data=self.request.query_params.dict())
        given.is_valid(raise_exception=True)
        return self.filter_by(queryset, given.validated_data)

    def filter_by(self, queryset, wanted: dict):
        if "agency" in wanted:
            queryset = queryset.filter(**{self.agency_lookup: wanted["agency"]})
        return queryset

    def _input(self, serializer_class, *, partial: bool = False) -> dict:
        given = serializer_class(data=self.request.data, partial=partial)
        given.is_valid(raise_exception=True)
        return dict(given.validated_data)

    def _answer(self, obj, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(obj).data, status=code)


def _reads(serializer, noun: str, plural: str, **extra):
    return {
        "list": extend_schema(
            summary=f"List the {plural}",
            description="Agency operators see only their own agency's.",
            responses={200: serializer(many=True), **DENIED, **INVALID},
            **extra,
        ),
        "retrieve": extend_schema(
            summary=f"One {noun}", responses={200: serializer, **DENIED, **NOT_FOUND}
        ),
    }


def _write(summary: str, request, response, code: int = 200, **extra):
    responses = {code: response, **INVALID, **ADMIN_ONLY, **NOT_FOUND}
    return extend_schema(summary=summary, request=request, responses=responses, **extra)


STRUCTURE_FILTERS = [s.StructureFilterSerializer]


@extend_schema(tags=["agencies"])
@extend_schema_view(
    **_reads(s.AgencySerializer, "agency", "agencies"),
    create=_write("Add an agency (audited)", s.AgencyWriteSerializer, s.AgencySerializer, 201),
    partial_update=_write(
        "Change an agency (audited)", s.AgencyWriteSerializer, s.AgencySerializer
    ),
)
class AgencyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RegencyStaffViewSet):
    model = Agency
    serializer_class = s.AgencySerializer
    agency_lookup = "pk"

    def filter_by(self, queryset, wanted):
        return queryset

    def create(self, request):
        values = self._input(s.AgencyWriteSerializer)
        agency = structure.agency_create(acting_user=request.user, regency=request.tenant, **values)
        return self._answer(agency, status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        values = self._input(s.AgencyWriteSerializer, partial=True)
        agency = structure.agency_update(
            acting_user=request.user, agency=self.get_object(), regency=request.tenant, **values
        )
        return self._answer(agency)


@extend_schema(tags=["services"])
@extend_schema_view(
    **_reads(s.ServiceSerializer, "service", "services", parameters=STRUCTURE_FILTERS),
    create=_write(
        "Add a service to an agency (audited)",
        s.ServiceCreateSerializer,
        s.ServiceSerializer,
        201,
    ),
    partial_update=_write(
        "Change a service (audited)", s.ServiceUpdateSerializer, s.ServiceSerializer
    ),
)
class ServiceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RegencyStaffViewSet):
    model = Service
    serializer_class = s.ServiceSerializer

    def create(self, request):
        values = self._input(s.ServiceCreateSerializer)
        service = structure.service_create(
            acting_user=request.user,
            agency=values.pop("agency"),
            regency=request.tenant,
            **values,
        )
        return self._answer(service, status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        values = self._input(s.ServiceUpdateSerializer, partial=True)
        service = structure.service_update(
            acting_user=request.user, service=self.get_object(), regency=request.tenant, **values
        )
        return self._answer(service)


@extend_schema(tags=["service points"])
@extend_schema_view(
    **_reads(
        s.ServicePointSerializer, "service point", "service points", parameters=STRUCTURE_FILTERS
    ),
    create=_write(
        "Add a service point; its unguessable public code is made for it (audited)",
        s.ServicePointCreateSerializer,
        s.ServicePointSerializer,
        201,
    ),
    partial_update=_write(
        "Change a service point; its code never changes (audited)",
        s.ServicePointUpdateSerializer,
        s.ServicePointSerializer,
    ),
)
class ServicePointViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RegencyStaffViewSet):
    model = ServicePoint
    serializer_class = s.ServicePointSerializer

    def create(self, request):
        values = self._input(s.ServicePointCreateSerializer)
        point = structure.service_point_create(
            acting_user=request.user,
            agency=values.pop("agency"),
            regency=request.tenant,
            **values,
        )
        return self._answer(point, status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        values = self._input(s.ServicePointUpdateSerializer, partial=True)
        point = structure.service_point_update(
            acting_user=request.user, point=self.get_object(), regency=request.tenant, **values
        )
        return self._answer(point)


@extend_schema(tags=["periods"])
@extend_schema_view(
    **_reads(s.PeriodSerializer, "period", "periods", parameters=[s.PeriodFilterSerializer]),
    create=_write(
        "Add a period; its first and last day follow from kind, year and number (audited)",
        s.PeriodCreateSerializer,
        s.PeriodSerializer,
        201,
    ),
    lock=_write(
        "Lock a period that has ended: its figures never change again (audited)",
        None,
        s.PeriodSerializer,
    ),
)
class PeriodViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RegencyStaffViewSet):
    """Periods belong to the whole regency: operators read them all."""

    model = Period
    serializer_class = s.PeriodSerializer
    filter_serializer = s.PeriodFilterSerializer

    def get_queryset(self):
        return Period.objects.all()

    def filter_by(self, queryset, wanted):
        return queryset.filter(**wanted)

    def create(self, request):
        values = self._input(s.PeriodCreateSerializer)
        period = structure.period_create(acting_user=request.user, regency=request.tenant, **values)
        return self._answer(period, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def lock(self, request, pk=None):
        period = structure.period_lock(
            acting_user=request.user, period=self.get_object(), regency=request.tenant
        )
        return self._answer(period)


# ====================================================================== questionnaire
def _options(pairs) -> list[dict]:
    return [{"value": str(value), "label": str(label)} for value, label in pairs]


def _extra(question: Question, english: bool) -> dict:
    if question.kind == QuestionKind.CHOICE:
        values, labels = extra_choice_labels(question)
        options = _options(zip(values, labels if english else values, strict=True))
    elif question.kind == QuestionKind.SCALE:
        options = _options((n, n) for n in range(1, SCALE_POINTS + 1))
    else:
        options = []
    return {
        "id": question.pk,
        "position": question.position,
        "type": question.kind,
        "question": (question.text_en or question.text_id) if english else question.text_id,
        "options": options,
        "required": question.required,
    }


def questionnaire_body(questionnaire: Questionnaire) -> dict:
    """The nine elements (regulation wording), the local extras and the profile, in the
    request's language, with a fresh `started` stamp."""
    english = _english()
    extras = questionnaire.questions.exclude(kind=QuestionKind.ELEMENT).order_by("position")
    return {
        "version": questionnaire.version,
        "current": questionnaire.is_current,
        "language": "en" if english else "id",
        "started": started_stamp(),
        "elements": [
            {
                "code": e.code,
                "name": e.name_en if english else e.name_id,
                "question": e.question_en if english else e.question_id,
                "answers": _options(enumerate(e.answers_en if english else e.answers_id, start=1)),
            }
            for e in ELEMENTS
        ],
        "extras": [_extra(q, english) for q in extras],
        "profile": [
            {
                "name": name,
                "label": str(PROFILE_LABELS[name]),
                "options": _options(choices.choices),
            }
            for name, choices in PROFILE_FIELDS.items()
        ],
    }


class PublicReadView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]


QUESTIONNAIRE_DOC = (
    "Element wording and answer labels are the regulation's (PermenPANRB 14/2017), "
    "in the language of `Accept-Language` (id or en). No sign-in needed."
)


class CurrentQuestionnaireView(PublicReadView):
    @extend_schema(
        tags=["questionnaire"],
        summary="The questionnaire citizens answer now",
        operation_id="questionnaire_current",
        description=QUESTIONNAIRE_DOC,
        responses={200: s.QuestionnaireSerializer, **NOT_FOUND},
        auth=[],
    )
    def get(self, request):
        questionnaire = questionnaire_current()
        if questionnaire is None:
            raise exceptions.NotFound(_("Not found."))
        return Response(questionnaire_body(questionnaire))


class QuestionnaireVersionView(PublicReadView):
    @extend_schema(
        tags=["questionnaire"],
        summary="One version of the questionnaire",
        operation_id="questionnaire_version",
        description=QUESTIONNAIRE_DOC,
        responses={200: s.QuestionnaireSerializer, **NOT_FOUND},
        auth=[],
    )
    def get(self, request, version: int):
        return Response(questionnaire_body(get_object_or_404(Questionnaire, version=version)))


# ====================================================================== responses
class DeviceTokenView(APIView):
    """A new anonymous device token, signed here: the only kind a response is accepted with."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["responses"],
        summary="A device token for a citizen's app (anonymous)",
        description=(
            "Ask once per device and keep it: send it with each response as `device_token` "
            f"or the `{DEVICE_HEADER}` header. It names no person; it only lets the server "
            "take one response per device, service and day."
        ),
        request=None,
        responses={201: s.DeviceTokenSerializer},
        auth=[],
    )
    def post(self, request):
        body = {"device_token": signed_device_token()}
        return Response(s.DeviceTokenSerializer(body).data, status=status.HTTP_201_CREATED)


class TooManyResponses(exceptions.Throttled):
    """The citizen page's per-address limit, answered in the API's error shape."""


POST_DOC = f"""Anonymous: no sign-in, no CSRF token. The same protections as the citizen's page:

- **Device**: one response per device, service and day. Get the device's token
  from `device-token/` once and send it as `device_token` or the `{DEVICE_HEADER}`
  header with each response; a token the server did not issue is refused. Without
  one, the page's signed device cookie is used if sent, else the post is refused.
- **Exactly once**: `submission_key`, made by the client and new for each answer.
  A repeat (a retry after a timeout, a resend from an offline queue) stores nothing
  new and answers 201 with the first one's `id` and `tracking_code`.
- **Rate limit** per client address and service point, shared with the page: past
  it, 429 with `Retry-After`.
- **Honeypot**: the field `{HONEYPOT}` must be absent or empty. A post that fills
  it is answered like an accepted one (201, `id` null) and nothing is stored.
- `answers` is a list of `{{"element": "U1", "value": 4}}`; `value` null means not
  answered (or "tidak berlaku"). An element given twice, a value outside 1-4, an
  unknown element, a service point of another regency, a locked period or an
  unknown questionnaire version is refused with 400 and the field at fault.
- `started`: the stamp read with the questionnaire. Without it, or with one the
  server did not sign, the response is stored but held out of the index until a
  moderator admits it, as is a burst of responses from one address at one service
  point within seconds.
"""


@extend_schema(tags=["responses"])
@extend_schema_view(
    list=extend_schema(
        summary="Responses, newest first (regency admins)",
        description="Device and address hashes are never shown.",
        parameters=[s.ResponseFilterSerializer],
        responses={200: s.ResponseSerializer(many=True), **INVALID, **ADMIN_ONLY},
    ),
    retrieve=extend_schema(
        summary="One response (regency admins)",
        responses={200: s.ResponseSerializer, **ADMIN_ONLY, **NOT_FOUND},
    ),
    create=extend_schema(
        summary="A citizen's response",
        description=POST_DOC,
        request=s.ResponseCreateSerializer,
        parameters=[
            OpenApiParameter(
                DEVICE_HEADER,
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="The device's anonymous token, instead of `device_token`.",
            )
        ],
        responses={
            201: s.ResponseCreatedSerializer,
            400: _error("Refused: the field at fault says why (nothing stored)"),
            429: _error("Too many posts from this address; see Retry-After"),
        },
        auth=[],
    ),
    exclude=extend_schema(
        summary="Exclude a response from the index, with a reason (audited)",
        request=s.ExcludeSerializer,
        responses={200: s.ResponseSerializer, **INVALID, **ADMIN_ONLY, **NOT_FOUND},
    ),
    include=extend_schema(
        summary="Count an excluded response again (audited)",
        request=None,
        responses={200: s.ResponseSerializer, **INVALID, **ADMIN_ONLY, **NOT_FOUND},
    ),
)
class ResponseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.ResponseSerializer

    def _creating(self) -> bool:
        request = getattr(self, "request", None)
        method = (getattr(request, "method", "") or "").lower()
        return getattr(self, "action_map", {}).get(method) == "create"

    def get_authenticators(self):
        # Citizens post anonymously; a session cookie must not demand a CSRF token of them.
        return [] if self._creating() else super().get_authenticators()

    def get_permissions(self):
        return [AllowAny()] if self.action == "create" else [AdminsThisRegency()]

    def get_queryset(self):
        return SurveyResponse.objects.select_related("questionnaire", "service")

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        given = s.ResponseFilterSerializer(data=self.request.query_params.dict())
        given.is_valid(raise_exception=True)
        wanted = given.validated_data
        period = wanted.get("period")
        lookups = {
            "service__agency_id": wanted.get("agency"),
            "service_id": wanted.get("service"),
            "service_point_id": wanted.get("service_point"),
            "excluded": wanted.get("excluded"),
            "service_date__gte": wanted.get("date_from"),
            "service_date__lte": wanted.get("date_to"),
            "flags__contains": [wanted["flag"]] if wanted.get("flag") else None,
        }
        queryset = queryset.filter(**{k: v for k, v in lookups.items() if v is not None})
        if period is not None:
            queryset = queryset.filter(
                service_date__gte=period.starts_on, service_date__lte=period.ends_on
            )
        if wanted.get("flagged") is True:
            queryset = queryset.filter(~Q(flags=[]))
        elif wanted.get("flagged") is False:
            queryset = queryset.filter(flags=[])
        return queryset

    def create(self, request):
        data = request.data if isinstance(request.data, dict) else {}
        address = client_address(request)
        if submissions_over_limit(address, str(data.get("service_point", ""))):
            raise TooManyResponses(wait=RATE_WINDOW)
        if str(data.get(HONEYPOT, "") or "").strip():
            return Response(  # a bot: thanked like a citizen, nothing stored
                {"id": None, "tracking_code": None, "device_token": ""},
                status=status.HTTP_201_CREATED,
            )
        given = s.ResponseCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        values = given.validated_data
        token, new_token = self._token_for(request, values.get("device_token", ""))
        now = timezone.now()
        started = started_at(values.get("started", ""), now)
        submission = Submission(
            service_point_code=values["service_point"],
            answers=answers_from_pairs((a["element"], a["value"]) for a in values["answers"]),
            questionnaire_version=values["questionnaire_version"],
            service_id=values.get("service"),
            profile={name: values[name] for name in PROFILE_FIELDS if values.get(name)},
            age=values.get("age"),
            extra_answers=values.get("extra_answers", {}),
            suggestion=values.get("suggestion", ""),
            service_date=values.get("service_date"),
            device_token=token,
            address=address,
            started_at=started,
            stamped=started is not None,
            submission_key=values["submission_key"],
            answered_at=values.get("answered_at"),
        )
        stored = response_submit(submission, now=now)
        body = {
            "id": stored.pk,
            "tracking_code": stored.tracking_code,
            "device_token": signed_device_token(token),
        }
        answer = Response(s.ResponseCreatedSerializer(body).data, status=status.HTTP_201_CREATED)
        if new_token:
            set_device_cookie(request, answer, token)
        return answer

    @staticmethod
    def _token_for(request, field: str) -> tuple[str, bool]:
        """The token sent (field, then header), else the page's cookie; refused if not ours."""
        given = field or request.META.get("HTTP_X_DEVICE_TOKEN", "")
        if given:
            token = verified_device_token(given)
            if not token:
                raise exceptions.ValidationError(
                    {
                        "device_token": [
                            _("This device token was not issued here. Ask for one first.")
                        ]
                    }
                )
            return token, False
        token, new = device_token(request)
        if new:
            raise exceptions.ValidationError(
                {"device_token": [_("Ask for a device token first (device-token/).")]}
            )
        return token, False

    @action(detail=True, methods=["post"])
    def exclude(self, request, pk=None):
        given = s.ExcludeSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        response = response_exclude(
            acting_user=request.user,
            regency=request.tenant,
            response_id=self.get_object().pk,
            reason=given.validated_data["reason"],
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=response.pk)).data)

    @action(detail=True, methods=["post"])
    def include(self, request, pk=None):
        response = response_include(
            acting_user=request.user, regency=request.tenant, response_id=self.get_object().pk
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=response.pk)).data)


# ====================================================================== figures
BREAKDOWN = s.IkmQuerySerializer().fields["breakdown"]


class IkmView(APIView):
    permission_classes = [WorksInThisRegency]

    @extend_schema(
        tags=["figures"],
        summary="The IKM of the regency, an agency or a service over a period",
        description="Give `service` for a service's figure, `agency` for an agency's, neither "
        "for the whole regency's. Every number comes from the daily totals kept with each "
        "response and exclusion. `breakdown` adds one figure per value of each profile field "
        "named; `breakdown=channel` adds one per channel (phone, kiosk, assisted), summed from "
        "the counted responses themselves. Groups nobody is in (or whose respondents were all "
        "excluded) are left out. Small groups stay private (SKM.md, UU 27/2022): a group of "
        "fewer than `min_group_size` respondents (the regency's setting, 5 unless it chose "
        "another, never below 3) is never shown on its own. Such groups are merged into one "
        "row with the value `lainnya` when together they reach that size, or else left out; "
        "and when the respondents in no row (those hidden and those who left the field blank) "
        "would be fewer than that size, the smallest group shown is hidden with them too, so "
        "no group can be found by subtracting the rows shown from the figure's total. Agency "
        "operators may ask only for their own agency or its services.",
        parameters=[
            s.IkmQuerySerializer,
            OpenApiParameter(  # the serializer's field, with the names it takes
                "breakdown",
                {
                    "type": "string",
                    "maxLength": BREAKDOWN.max_length,
                    "pattern": s.BREAKDOWN_PATTERN,
                },
                description=BREAKDOWN.help_text,
            ),
        ],
        responses={200: s.IkmSerializer, **INVALID, **DENIED},
    )
    def get(self, request):
        given = s.IkmQuerySerializer(data=request.query_params.dict())
        given.is_valid(raise_exception=True)
        wanted = given.validated_data
        period, agency, service = wanted["period"], wanted.get("agency"), wanted.get("service")
        agency_id = service.agency_id if service is not None else getattr(agency, "pk", None)
        limit = scope_for(request.user, request.tenant).limit
        if limit is not None and agency_id not in limit:
            raise exceptions.PermissionDenied()  # operators: their own agency's figures only
        if service is not None:
            scope, figure = "service", service_figure(period, service)
        elif agency is not None:
            scope, figure = "agency", agency_figure(period, agency)
        else:
            scope, figure = "regency", regency_figure(period)
        where = {
            "agency_id": agency_id if service is None else None,
            "service_id": getattr(service, "pk", None),
        }
        k = min_group_size()
        fields = wanted.get("breakdown", [])
        shown = breakdowns(period, fields, **where, k=k) if fields else {}
        by_field = {
            field: [
                {"value": row.value, "label": row.label, "figure": row.figure.to_dict()}
                for row in shown[field].rows
            ]
            for field in fields
        }
        return Response(
            {
                "scope": scope,
                "period": s.PeriodSerializer(period).data,
                "agency": agency_id,
                "service": getattr(service, "pk", None),
                "figure": figure.to_dict(),
                "breakdowns": by_field,
                "min_group_size": k,
            }
        )
