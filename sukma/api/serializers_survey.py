"""Shapes of a regency's survey data in and out of its API. No rules: the services hold those.

Input serializers check shape only (types, lengths, choices offered);
sukma.surveys.structure.services, submission and moderation decide, and
their ValidationErrors become 400s in the one error shape.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from sukma.api.serializers import InputSerializer, StrictBooleanField
from sukma.surveys.channels import BREAKDOWN as CHANNEL_BREAKDOWN
from sukma.surveys.citizen.forms import HONEYPOT
from sukma.surveys.citizen.submission import SUBMISSION_KEY, SUGGESTION_MAX
from sukma.surveys.method.elements import ELEMENT_CODES
from sukma.surveys.method.ikm import Mutu
from sukma.surveys.models import (
    PROFILE_FIELDS,
    Agency,
    AgencyKind,
    Flag,
    Period,
    PeriodKind,
    Response,
    Service,
    ServicePoint,
    WeightPolicyChoice,
)
from sukma.surveys.structure.selectors import service_point_public_path
from sukma.surveys.structure.services import FIRST_YEAR, LAST_YEAR, PERIODS_IN_YEAR

NAME_MAX = 200
CODE_MAX = 16
TOKEN_MAX = 64
EXTRA_MAX = 1000
MAX_ANSWER_ITEMS = 30  # room for the nine and a few mistakes, which the rules then name


# ====================================================================== structure
class AgencySerializer(serializers.ModelSerializer):
    class Meta:
        model = Agency
        fields = ["id", "name", "short_name", "kind", "active", "created_at"]
        read_only_fields = fields


class AgencyWriteSerializer(InputSerializer):
    name = serializers.CharField(max_length=NAME_MAX)
    short_name = serializers.CharField(max_length=40, required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=AgencyKind.choices)
    active = StrictBooleanField(required=False)


class ServiceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Service
        fields = ["id", "agency", "name", "annual_users", "active", "created_at"]
        read_only_fields = fields


class ServiceUpdateSerializer(InputSerializer):
    name = serializers.CharField(max_length=NAME_MAX)
    annual_users = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**31 - 1,
        help_text=("Expected users per year; sets the sample target. Null if unknown."),
    )
    active = StrictBooleanField(required=False)


class ServiceCreateSerializer(ServiceUpdateSerializer):
    agency = serializers.PrimaryKeyRelatedField(queryset=Agency.objects.all())


class ServicePointSerializer(serializers.ModelSerializer):
    survey_path = serializers.SerializerMethodField(
        help_text=("The citizen's page on this regency's host; its QR code opens it.")
    )

    class Meta:
        model = ServicePoint
        fields = [
            "id",
            "agency",
            "default_service",
            "name",
            "address",
            "code",
            "survey_path",
            "active",
            "created_at",
        ]
        read_only_fields = fields

    def get_survey_path(self, point: ServicePoint) -> str:
        return service_point_public_path(point)


class ServicePointUpdateSerializer(InputSerializer):
    name = serializers.CharField(max_length=NAME_MAX)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    default_service = serializers.PrimaryKeyRelatedField(
        queryset=Service.objects.all(),
        required=False,
        allow_null=True,
        help_text=("The service preset on the citizen's form; one of the agency's services."),
    )
    active = StrictBooleanField(required=False)


class ServicePointCreateSerializer(ServicePointUpdateSerializer):
    agency = serializers.PrimaryKeyRelatedField(queryset=Agency.objects.all())


class PeriodSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)

    class Meta:
        model = Period
        fields = [
            "id",
            "kind",
            "year",
            "number",
            "label",
            "starts_on",
            "ends_on",
            "locked",
            "locked_at",
        ]
        read_only_fields = fields


class PeriodCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PeriodKind.choices)
    year = serializers.IntegerField(min_value=FIRST_YEAR, max_value=LAST_YEAR)
    number = serializers.IntegerField(
        min_value=1,
        max_value=max(PERIODS_IN_YEAR.values()),
        help_text=("Month 1-12, quarter 1-4, semester 1-2; 1 for a year."),
    )


class StructureFilterSerializer(serializers.Serializer):
    agency = serializers.IntegerField(min_value=1, required=False)


class PeriodFilterSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PeriodKind.choices, required=False)
    year = serializers.IntegerField(min_value=1, max_value=9999, required=False)


# ====================================================================== questionnaire
class OptionSerializer(serializers.Serializer):
    value = serializers.CharField(help_text=("What to send back as the answer."))
    label = serializers.CharField()


class ElementQuestionSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=("U1..U9: answers are sent by this code."))
    name = serializers.CharField()
    question = serializers.CharField()
    answers = OptionSerializer(many=True, help_text=("Scored 1 to 4, in this order."))


class ExtraQuestionSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=("The key of its answer in `extra_answers`."))
    position = serializers.IntegerField()
    type = serializers.CharField(help_text=("scale (answered 1..5), choice or text."))
    question = serializers.CharField()
    options = OptionSerializer(many=True, help_text=("Empty for a text question."))
    required = serializers.BooleanField()


class ProfileFieldSerializer(serializers.Serializer):
    name = serializers.CharField(help_text=("The field's name in a response."))
    label = serializers.CharField()
    options = OptionSerializer(many=True)


class QuestionnaireSerializer(serializers.Serializer):
    version = serializers.IntegerField(help_text=("Send it back as `questionnaire_version`."))
    current = serializers.BooleanField()
    language = serializers.CharField()
    started = serializers.CharField(
        help_text=(
            "A signed stamp of when the form was opened. Send it back as `started`; "
            "without it the response is flagged as completed too fast."
        )
    )
    elements = ElementQuestionSerializer(many=True)
    extras = ExtraQuestionSerializer(many=True)
    profile = ProfileFieldSerializer(many=True)


# ====================================================================== responses
class AnswerSerializer(InputSerializer):
    element = serializers.CharField(max_length=3, help_text=("U1..U9"))
    value = serializers.IntegerField(
        allow_null=True,
        help_text=('1 to 4; null when not answered (or "tidak berlaku").'),
    )


def _profile_field(name: str, **kwargs) -> serializers.ChoiceField:
    """A profile answer: one of its choices, or blank when the citizen left it out.

    Declared, not generated: DRF drops allow_blank from a read-only model field, and the
    schema then promised an enum that stored blanks broke.
    """
    return serializers.ChoiceField(
        choices=PROFILE_FIELDS[name].choices, required=False, allow_blank=True, **kwargs
    )


class ResponseCreateSerializer(InputSerializer):
    """What a citizen's app posts. The device token may come as a field or a header."""

    service_point = serializers.CharField(
        max_length=CODE_MAX, help_text=("The service point's public code (from its QR).")
    )
    service = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text=("The service received; defaults to the service point's preset one."),
    )
    questionnaire_version = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    answers = AnswerSerializer(
        many=True,
        max_length=MAX_ANSWER_ITEMS,
        help_text=("One item per element; an element given twice is refused."),
    )
    service_date = serializers.DateField(
        required=False, allow_null=True, help_text=("Defaults to today.")
    )
    sex = _profile_field("sex")
    age = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=200)
    age_band = _profile_field("age_band")
    education = _profile_field("education")
    occupation = _profile_field("occupation")
    disability = _profile_field("disability")
    service_session = _profile_field("service_session")
    extra_answers = serializers.DictField(
        child=serializers.CharField(max_length=EXTRA_MAX, allow_blank=True),
        required=False,
        help_text=("Answers to the local questions, keyed by the question's id."),
    )
    suggestion = serializers.CharField(max_length=SUGGESTION_MAX, required=False, allow_blank=True)
    started = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text=("The `started` stamp the questionnaire was read with."),
    )
    device_token = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text=(
            "This device's token as the server issued it (POST device-token/ first), "
            "or send it as the X-Device-Token header. A token made up by the client is refused."
        ),
    )
    submission_key = serializers.RegexField(
        SUBMISSION_KEY,
        help_text=(
            "Made by the client, new for each answer (16-64 letters, digits, '-' or '_'): "
            "sending the same answer again with the same key stores nothing new and answers "
            "with the first one's id and tracking code."
        ),
    )
    answered_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text=(
            "When the citizen answered, if that was earlier than this post (an answer kept "
            "offline). Not in the future, not more than 30 days ago."
        ),
    )

    def get_fields(self):
        fields = super().get_fields()
        # The citizen page's honeypot, by the same name: people leave it out; bots fill it.
        fields[HONEYPOT] = serializers.CharField(
            required=False,
            allow_blank=True,
            max_length=EXTRA_MAX,
            help_text=("Leave it out, or empty."),
        )
        return fields


class ResponseCreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    tracking_code = serializers.CharField(
        allow_null=True,
        help_text=("When a suggestion was written: the code to follow it up with."),
    )
    device_token = serializers.CharField(help_text=("Send it with this device's next response."))


class DeviceTokenSerializer(serializers.Serializer):
    device_token = serializers.CharField(
        help_text=("This device's token: send it with each of its responses.")
    )


class ElementAnswersSerializer(serializers.Serializer):
    """U1..U9, each 1-4 or null (not answered)."""

    def get_fields(self):
        return {
            code: serializers.IntegerField(allow_null=True, min_value=1, max_value=4)
            for code in ELEMENT_CODES
        }


class ResponseSerializer(serializers.ModelSerializer):
    """A response as an admin reviews it. The device and address hashes never leave."""

    agency = serializers.IntegerField(source="service.agency_id")
    questionnaire_version = serializers.IntegerField(source="questionnaire.version")
    answers = serializers.SerializerMethodField()
    flags = serializers.ListField(child=serializers.ChoiceField(choices=Flag.ALL))
    sex = _profile_field("sex", read_only=True)
    age_band = _profile_field("age_band", read_only=True)
    education = _profile_field("education", read_only=True)
    occupation = _profile_field("occupation", read_only=True)
    disability = _profile_field("disability", read_only=True)
    service_session = _profile_field("service_session", read_only=True)

    class Meta:
        model = Response
        fields = [
            "id",
            "questionnaire_version",
            "agency",
            "service",
            "service_point",
            "service_date",
            "service_session",
            "submitted_at",
            "answers",
            "sex",
            "age",
            "age_band",
            "education",
            "occupation",
            "disability",
            "extra_answers",
            "suggestion",
            "tracking_code",
            "seconds_to_complete",
            "flags",
            "excluded",
            "exclusion_reason",
            "excluded_by",
            "excluded_at",
        ]
        read_only_fields = fields

    @extend_schema_field(ElementAnswersSerializer)
    def get_answers(self, response: Response) -> dict:
        return response.answers()


class ResponseFilterSerializer(serializers.Serializer):
    period = serializers.PrimaryKeyRelatedField(
        queryset=Period.objects.all(),
        required=False,
        help_text=("Responses whose date of service lies in this period."),
    )
    agency = serializers.IntegerField(min_value=1, required=False)
    service = serializers.IntegerField(min_value=1, required=False)
    service_point = serializers.IntegerField(min_value=1, required=False)
    flagged = serializers.BooleanField(
        required=False, allow_null=True, help_text=("true: only flagged; false: only unflagged.")
    )
    flag = serializers.ChoiceField(
        choices=[Flag.BURST, Flag.IDENTICAL, Flag.FAST],
        required=False,
        help_text=("Only responses with this flag."),
    )
    excluded = serializers.BooleanField(required=False, allow_null=True)
    date_from = serializers.DateField(required=False, help_text=("First date of service."))
    date_to = serializers.DateField(required=False, help_text=("Last date of service."))


class ExcludeSerializer(InputSerializer):
    reason = serializers.CharField(max_length=2000, help_text=("Why it is excluded (audited)."))


# ====================================================================== figures
class ElementFigureSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    total = serializers.IntegerField(help_text=("Sum of the answers."))
    count = serializers.IntegerField(help_text=("Responses that answered it."))
    nrr = serializers.CharField(allow_null=True, help_text=("NRR, 4 decimals."))
    nrr_konversi = serializers.CharField(allow_null=True, help_text=("NRR x 25, 2 decimals."))
    nrr_weighted = serializers.CharField(allow_null=True)
    mutu = serializers.ChoiceField(choices=[m.value for m in Mutu], allow_null=True)


class SampleSerializer(serializers.Serializer):
    population = serializers.IntegerField(
        allow_null=True, help_text=("Expected users in the period (N), if known.")
    )
    population_known = serializers.BooleanField()
    responses = serializers.IntegerField()
    target = serializers.IntegerField(help_text=("Krejcie & Morgan sample size."))
    margin_of_error = serializers.CharField(
        allow_null=True, help_text=("Percentage points at 95 %.")
    )
    short = serializers.BooleanField(help_text=("Fewer responses than the target."))
    shortfall = serializers.IntegerField()
    exceeds_population = serializers.BooleanField()


class FigureSerializer(serializers.Serializer):
    """sukma.surveys.selectors.Figure.to_dict(): the index, its elements and its sample."""

    policy = serializers.ChoiceField(choices=WeightPolicyChoice.values)
    responses = serializers.IntegerField(allow_null=True)
    ikm = serializers.CharField(allow_null=True, help_text=("IKM unit value, 4 decimals."))
    konversi = serializers.CharField(allow_null=True, help_text=("IKM x 25, 2 decimals."))
    mutu = serializers.ChoiceField(choices=[m.value for m in Mutu], allow_null=True)
    kinerja = serializers.CharField(allow_null=True)
    complete = serializers.BooleanField(help_text=("Every element has answers."))
    missing_elements = serializers.ListField(child=serializers.CharField())
    elements = ElementFigureSerializer(many=True)
    sample = SampleSerializer()


class BreakdownRowSerializer(serializers.Serializer):
    value = serializers.CharField(
        help_text=(
            "The stored value, or `lainnya` for the groups too small to show on their own, "
            "merged (they reach `min_group_size` together)."
        )
    )
    label = serializers.CharField()
    figure = FigureSerializer()


class IkmSerializer(serializers.Serializer):
    scope = serializers.ChoiceField(choices=["regency", "agency", "service"])
    period = PeriodSerializer()
    agency = serializers.IntegerField(allow_null=True)
    service = serializers.IntegerField(allow_null=True)
    figure = FigureSerializer()
    breakdowns = serializers.DictField(
        child=BreakdownRowSerializer(many=True),
        help_text=(
            "Per field asked for with `breakdown`: each group of at least `min_group_size` "
            "respondents, in order, then `lainnya` if smaller groups were merged. Empty groups "
            "are left out; a small group, and what would let it be found by subtraction from "
            "the total, is hidden."
        ),
    )
    min_group_size = serializers.IntegerField(
        help_text=(
            "k: no breakdown row holds fewer respondents, and the figure's responses minus "
            "the rows shown is 0 or at least k (the regency's setting, never below 3)."
        )
    )


def _breakdown_pattern() -> str:
    """What `breakdown` takes, as the schema states it: known names, comma-separated (blanks
    and empty items ignored), or `all` alone. validate_breakdown says which name is unknown."""
    name = "(?:" + "|".join([*PROFILE_FIELDS, CHANNEL_BREAKDOWN]) + ")"
    return rf"^[\s,]*(?:all|{name}(?:\s*,[\s,]*{name})*)?[\s,]*$"


BREAKDOWN_PATTERN = _breakdown_pattern()


class IkmQuerySerializer(serializers.Serializer):
    period = serializers.PrimaryKeyRelatedField(queryset=Period.objects.all())
    agency = serializers.PrimaryKeyRelatedField(queryset=Agency.objects.all(), required=False)
    service = serializers.PrimaryKeyRelatedField(queryset=Service.objects.all(), required=False)
    breakdown = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text=(
            "Profile fields to break the figure down by, comma-separated "
            "(sex, age_band, education, occupation, disability, service_session), or all "
            "(every profile field); `channel` breaks it down by how the responses reached us "
            "(phone, kiosk, assisted)."
        ),
    )

    def validate_breakdown(self, value: str) -> list[str]:
        names = [name.strip() for name in value.split(",") if name.strip()]
        if names == ["all"]:
            return list(PROFILE_FIELDS)
        unknown = sorted(set(names) - {*PROFILE_FIELDS, CHANNEL_BREAKDOWN})
        if unknown:
            raise serializers.ValidationError(
                _("Unknown profile field: %(f)s.") % {"f": ", ".join(unknown)}
            )
        return list(dict.fromkeys(names))

    def validate(self, attrs):
        agency, service = attrs.get("agency"), attrs.get("service")
        if agency is not None and service is not None and service.agency_id != agency.pk:
            raise serializers.ValidationError(
                {"service": _("This service is not one of the agency's services.")}
            )
        return attrs
