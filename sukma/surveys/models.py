"""The survey's data in each regency's schema. Nothing here is shared across regencies."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from sukma.standards.models import AgencyKind
from sukma.surveys.method.privacy import DEFAULT_MIN_GROUP, HIGHEST_MIN_GROUP, LOWEST_MIN_GROUP


class Questionnaire(models.Model):
    """One version of a regency's questionnaire: the nine elements plus its local extras.

    A version is never edited once a response has answered it; changing the
    extras makes a new version. Every response records its version.
    """

    version = models.PositiveIntegerField(_("version"), unique=True)
    is_current = models.BooleanField(_("current"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"],
                condition=models.Q(is_current=True),
                name="one_current_questionnaire",
            )
        ]

    def __str__(self) -> str:
        return f"v{self.version}"


class QuestionKind(models.TextChoices):
    ELEMENT = "element", _("SKM element (1-4)")
    SCALE = "scale", _("Scale")
    CHOICE = "choice", _("Choice")
    TEXT = "text", _("Text")


class Question(models.Model):
    """A question of one questionnaire version.

    The nine element questions carry their code (U1..U9) and are the only
    ones that enter the index; their wording comes from sukma.surveys.method.elements.
    """

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=10, choices=QuestionKind.choices)
    element_code = models.CharField(_("element"), max_length=3, blank=True)
    text_id = models.TextField(_("question (Bahasa Indonesia)"))
    text_en = models.TextField(_("question (English)"))
    choices = models.JSONField(_("answer labels"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=False)

    class Meta:
        ordering = ["questionnaire", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "position"], name="one_question_per_position"
            ),
            models.UniqueConstraint(
                fields=["questionnaire", "element_code"],
                condition=~models.Q(element_code=""),
                name="one_question_per_element",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.questionnaire} #{self.position} {self.element_code}"


class WeightPolicyChoice(models.TextChoices):
    EXACT = "exact", _("Exact equal weights (1/9), the default")
    LEGACY_0_11 = "legacy_0_11", _("Legacy 0.11 per element (old spreadsheets)")
    LEGACY_0_111 = "legacy_0_111", _("Legacy 0.111 per element (old spreadsheets)")


class SurveySettings(models.Model):
    """The regency's survey settings: one row. Every published figure names its weight policy."""

    weight_policy = models.CharField(
        _("weight policy"),
        max_length=14,
        choices=WeightPolicyChoice.choices,
        default=WeightPolicyChoice.EXACT,
    )
    # SKM.md: a breakdown never shows a group of fewer than k respondents; k >= 3.
    min_group_size = models.PositiveSmallIntegerField(
        _("smallest group shown"),
        default=DEFAULT_MIN_GROUP,
        validators=[MinValueValidator(LOWEST_MIN_GROUP), MaxValueValidator(HIGHEST_MIN_GROUP)],
        help_text=_("A breakdown never shows a group of fewer respondents than this."),
    )

    class Meta:
        verbose_name = _("survey settings")
        verbose_name_plural = _("survey settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_group_size__gte=LOWEST_MIN_GROUP)
                & models.Q(min_group_size__lte=HIGHEST_MIN_GROUP),
                name="min_group_size_in_range",
            )
        ]

    def __str__(self) -> str:
        return self.get_weight_policy_display()

    @classmethod
    def current(cls) -> "SurveySettings":
        return cls.objects.get_or_create(pk=1)[0]


# ====================================================================== structure
class Agency(models.Model):
    """An OPD (perangkat daerah): a unit that serves citizens and gets its own index."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=AgencyKind.choices)
    standard_kind = models.CharField(
        _("standard agency kind"),
        max_length=40,
        blank=True,
        help_text=_("The province's standard kind this agency is ranked with, by its code."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self) -> str:
        return self.short_name or self.name


class Service(models.Model):
    """A kind of service (jenis layanan) one agency gives.

    annual_users, the expected number of users a year, sets the sample
    target of every period (scaled to the period's length).
    """

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="services")
    name = models.CharField(_("name"), max_length=200)
    annual_users = models.PositiveIntegerField(
        _("expected users per year"),
        null=True,
        blank=True,
        help_text=_("Sets the sample target (Krejcie & Morgan). Leave empty if unknown."),
    )
    standard_service = models.CharField(
        _("standard service"),
        max_length=40,
        blank=True,
        help_text=_("The province's standard service this service is ranked with, by its code."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["agency__name", "name"]
        verbose_name = _("service")
        verbose_name_plural = _("services")
        constraints = [
            models.UniqueConstraint(fields=["agency", "name"], name="service_name_per_agency")
        ]

    def __str__(self) -> str:
        return self.name


class ServicePoint(models.Model):
    """A counter or place where an agency serves; its QR code opens the survey.

    The code is short (for a printed URL) and unguessable (so nobody can
    survey a counter they have not visited by counting up).
    """

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="service_points")
    default_service = models.ForeignKey(
        Service,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("service preset on the form"),
    )
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    code = models.CharField(_("public code"), max_length=16, unique=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["agency__name", "name"]
        verbose_name = _("service point")
        verbose_name_plural = _("service points")
        constraints = [
            models.UniqueConstraint(fields=["agency", "name"], name="service_point_name_per_agency")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter (triwulan)")
    SEMESTER = "semester", _("Semester")
    YEAR = "year", _("Year")


# Every period is whole calendar months.
PERIOD_MONTHS = {
    PeriodKind.MONTH: 1,
    PeriodKind.QUARTER: 3,
    PeriodKind.SEMESTER: 6,
    PeriodKind.YEAR: 12,
}


class Period(models.Model):
    """A reporting period. Locked, its figures never change: no day inside it takes writes.

    Periods of different kinds overlap (March lies in Q1, S1 and the year);
    a day is writable only if no locked period covers it.
    """

    kind = models.CharField(_("kind"), max_length=10, choices=PeriodKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    number = models.PositiveSmallIntegerField(
        _("number"), help_text=_("Month 1-12, quarter 1-4, semester 1-2; 1 for a year.")
    )
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    locked = models.BooleanField(_("locked"), default=False)
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)
    # Written when locked, emptied when unlocked: the weight policy, agencies and services
    # (with their expected users) its figures were computed with (see selectors.Basis).
    basis = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        ordering = ["-starts_on", "ends_on"]
        verbose_name = _("period")
        verbose_name_plural = _("periods")
        constraints = [
            models.UniqueConstraint(fields=["kind", "year", "number"], name="one_period_per_slot"),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="period_in_order"
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.YEAR:
            return str(self.year)
        prefix = {PeriodKind.MONTH: "", PeriodKind.QUARTER: "TW", PeriodKind.SEMESTER: "S"}
        if self.kind == PeriodKind.MONTH:
            return f"{self.year}-{self.number:02d}"
        return f"{prefix[self.kind]}{self.number} {self.year}"

    @property
    def months(self) -> int:
        return PERIOD_MONTHS[self.kind]


# ====================================================================== responses
ELEMENT_FIELDS = tuple(f"u{i}" for i in range(1, 10))


def _element_answer(code: str):
    # Not a Positive... field: its automatic ">= 0" check would duplicate the on-scale check
    # (see Response.Meta), and PostgreSQL reads every check anew in each citizen's statement.
    return models.SmallIntegerField(
        code.upper(), null=True, blank=True, help_text=_("1-4; empty when not answered")
    )


class Sex(models.TextChoices):
    MALE = "L", _("Male")
    FEMALE = "P", _("Female")


class AgeBand(models.TextChoices):
    A17_25 = "17-25", "17–25"
    A26_35 = "26-35", "26–35"
    A36_45 = "36-45", "36–45"
    A46_55 = "46-55", "46–55"
    A56_65 = "56-65", "56–65"
    A66 = "66+", "66+"


class Education(models.TextChoices):
    SD = "SD", _("Primary school (SD)")
    SMP = "SMP", _("Junior high school (SMP)")
    SMA = "SMA", _("Senior high school (SMA/SMK)")
    D1_D3 = "D1-D3", _("Diploma (D1–D3)")
    D4_S1 = "D4-S1", _("Bachelor (D4/S1)")
    S2 = "S2", _("Master (S2)")
    S3 = "S3", _("Doctorate (S3)")


class Occupation(models.TextChoices):
    PNS = "PNS", _("Civil servant (PNS)")
    TNI = "TNI", _("Armed forces (TNI)")
    POLRI = "POLRI", _("Police (POLRI)")
    SWASTA = "SWASTA", _("Private employee")
    WIRAUSAHA = "WIRAUSAHA", _("Self-employed")
    PELAJAR = "PELAJAR", _("Pupil or student")
    LAINNYA = "LAINNYA", _("Other")


class Disability(models.TextChoices):
    NONE = "tidak", _("No disability")
    FISIK = "fisik", _("Physical")
    INTELEKTUAL = "intelektual", _("Intellectual")
    MENTAL = "mental", _("Mental")
    SENSORIK = "sensorik", _("Sensory")


class ServiceSession(models.TextChoices):
    MORNING = "pagi", _("Morning (before 12:00)")
    AFTERNOON = "siang", _("Afternoon (12:00–15:00)")
    LATE = "sore", _("Late afternoon or evening (after 15:00)")


# The respondent-profile fields, each with its choices: the breakdowns iterate over this.
PROFILE_FIELDS: dict[str, type[models.TextChoices]] = {
    "sex": Sex,
    "age_band": AgeBand,
    "education": Education,
    "occupation": Occupation,
    "disability": Disability,
    "service_session": ServiceSession,
}
# Each field's stored values, as sets: a choices class builds its list anew on every .values.
PROFILE_VALUES: dict[str, frozenset[str]] = {
    name: frozenset(choices.values) for name, choices in PROFILE_FIELDS.items()
}


class Flag:
    """Why a stored response is shown to an admin as suspicious (Response.flags lists them).

    A flagged response is stored and counted like any other: an admin decides.
    A held one (Response.held) is stored but out of the index until a
    moderator admits it: BURST and UNSTAMPED hold, the others only flag.
    """

    BURST = "burst"  # a burst within seconds from one address at one counter: held
    UNSTAMPED = "unstamped"  # the form's signed "opened at" stamp is missing or forged: held
    BUSY = "busy"  # one address at one counter sent many within ten minutes
    IDENTICAL = "identical"  # the same answer to all nine elements
    FAST = "fast"  # completed in under 10 seconds
    PACE = "pace"  # a kiosk's answer came sooner after the previous one than its pacing rule

    ALL = (BURST, UNSTAMPED, BUSY, IDENTICAL, FAST, PACE)


class Channel(models.TextChoices):
    """How a response reached us: the citizen's own phone, a counter's kiosk, or an operator."""

    PHONE = "phone", _("Phone")
    KIOSK = "kiosk", _("Kiosk")
    ASSISTED = "assisted", _("Assisted by staff")


class Response(models.Model):
    """One citizen's anonymous answers. No name, NIK, phone or clear IP is ever stored.

    device_hash and address_hash are keyed hashes (HMAC) that only let the
    system recognise a repeat the same day; their keys are random, rotate
    (the address's daily, the device's monthly) and are destroyed, and the
    hashes themselves are cleared after HASH_KEEP_DAYS
    (sukma/surveys/recording/hash_keys.py).
    """

    # Each index costs every citizen's insert: the composite indexes below lead with
    # service and service_point, so their own foreign-key indexes would only duplicate them.
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, db_index=False)
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="responses", db_index=False
    )
    service_point = models.ForeignKey(
        ServicePoint,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="responses",
        db_index=False,
    )
    service_date = models.DateField(_("date of service"), db_index=True)
    service_session = models.CharField(
        _("session of service"), max_length=6, choices=ServiceSession.choices, blank=True
    )
    submitted_at = models.DateTimeField(_("submitted"), db_index=True)
    u1 = _element_answer("u1")
    u2 = _element_answer("u2")
    u3 = _element_answer("u3")
    u4 = _element_answer("u4")
    u5 = _element_answer("u5")
    u6 = _element_answer("u6")
    u7 = _element_answer("u7")
    u8 = _element_answer("u8")
    u9 = _element_answer("u9")
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    age = models.PositiveSmallIntegerField(_("age"), null=True, blank=True)
    age_band = models.CharField(_("age"), max_length=5, choices=AgeBand.choices, blank=True)
    education = models.CharField(
        _("education"), max_length=6, choices=Education.choices, blank=True
    )
    occupation = models.CharField(
        _("occupation"), max_length=10, choices=Occupation.choices, blank=True
    )
    disability = models.CharField(
        _("disability"), max_length=12, choices=Disability.choices, blank=True
    )
    extra_answers = models.JSONField(_("answers to local questions"), default=dict, blank=True)
    suggestion = models.TextField(_("suggestion or complaint"), blank=True)
    # NULL without a suggestion; unique among those that have one (see Meta).
    tracking_code = models.CharField(max_length=16, null=True, blank=True)  # noqa: DJ001
    device_hash = models.CharField(max_length=64, blank=True)
    address_hash = models.CharField(max_length=64, blank=True)
    seconds_to_complete = models.PositiveIntegerField(null=True, blank=True)
    flags = models.JSONField(_("flags"), default=list, blank=True)
    channel = models.CharField(
        _("channel"), max_length=8, choices=Channel.choices, default=Channel.PHONE
    )
    # Made by the client, one per answer: a repeat with the same key stores nothing new.
    submission_key = models.CharField(max_length=64, blank=True)
    # When it was answered, if that was before it reached us (an offline kiosk or phone).
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    kiosk = models.ForeignKey(
        "kiosks.Kiosk", on_delete=models.PROTECT, null=True, blank=True, db_index=False
    )
    # assisted: the operator. No PositiveIntegerField: its CHECK would cost every insert.
    entered_by = models.IntegerField(null=True, blank=True)
    # Looks automated: stored excluded, out of every figure, until a moderator decides.
    held = models.BooleanField(_("held for moderation"), default=False)
    excluded = models.BooleanField(_("excluded"), default=False)
    exclusion_reason = models.TextField(_("reason for exclusion"), blank=True)
    excluded_by = models.PositiveIntegerField(null=True, blank=True)  # user id, public schema
    excluded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        indexes = [
            models.Index(fields=["service", "service_date"]),
            models.Index(fields=["service_point", "address_hash", "submitted_at"]),
            # Only held rows are in it: the dashboards count them on every page.
            models.Index(fields=["service"], condition=models.Q(held=True), name="response_held"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["device_hash", "service", "service_date"],
                condition=~models.Q(device_hash=""),
                name="one_response_per_device_service_day",
            ),
            models.UniqueConstraint(
                fields=["submission_key"],
                condition=~models.Q(submission_key=""),
                name="one_response_per_submission_key",
            ),
            # Only responses with a suggestion have a code: the rest stay out of the index.
            models.UniqueConstraint(
                fields=["tracking_code"],
                condition=models.Q(tracking_code__isnull=False),
                name="one_response_per_tracking_code",
            ),
            # One check, not nine: PostgreSQL reads every check anew in each citizen's
            # statement. A blank answer passes, as a CHECK passes when it is NULL.
            models.CheckConstraint(
                condition=models.Q(
                    **{
                        f"{f}__{op}": n
                        for f in ELEMENT_FIELDS
                        for op, n in (("gte", 1), ("lte", 4))
                    }
                ),
                name="response_answers_on_scale",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.service_id} {self.service_date}"

    def answers(self) -> dict[str, int | None]:
        return {f.upper(): getattr(self, f) for f in ELEMENT_FIELDS}


class HashKey(models.Model):
    """A random key of the device or the address hashes, for one period, then destroyed.

    sukma/surveys/recording/hash_keys.py makes and deletes them; see there why.
    """

    purpose = models.CharField(max_length=8)
    starts_on = models.DateField()
    secret = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["purpose", "starts_on"], name="one_key_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.purpose} {self.starts_on}"


# ====================================================================== aggregates
class ElementTotalsColumns(models.Model):
    """How many responses were counted, and per element the sum of answers and how many answered.

    Plain integers: a Positive... field adds one check per column, and PostgreSQL
    reads every check anew in each statement that writes the row, which every
    citizen's submission does for about seven totals rows. One check per table
    (never_negative) guards what a wrong subtraction would break first; the
    provincial rollup's copies (RollupDay, RollupMonth) carry the same.
    """

    responses = models.IntegerField(default=0)
    u1_sum = models.IntegerField(default=0)
    u1_count = models.IntegerField(default=0)
    u2_sum = models.IntegerField(default=0)
    u2_count = models.IntegerField(default=0)
    u3_sum = models.IntegerField(default=0)
    u3_count = models.IntegerField(default=0)
    u4_sum = models.IntegerField(default=0)
    u4_count = models.IntegerField(default=0)
    u5_sum = models.IntegerField(default=0)
    u5_count = models.IntegerField(default=0)
    u6_sum = models.IntegerField(default=0)
    u6_count = models.IntegerField(default=0)
    u7_sum = models.IntegerField(default=0)
    u7_count = models.IntegerField(default=0)
    u8_sum = models.IntegerField(default=0)
    u8_count = models.IntegerField(default=0)
    u9_sum = models.IntegerField(default=0)
    u9_count = models.IntegerField(default=0)

    class Meta:
        abstract = True


def never_negative(table: str) -> models.CheckConstraint:
    """An exclusion subtracts exactly what its response added: a count below 0 is a bug."""
    return models.CheckConstraint(
        condition=models.Q(responses__gte=0), name=f"{table}_responses_never_negative"
    )


class DailyServiceTotals(ElementTotalsColumns):
    """Per service and day: the responses counted, and per element the sum and count.

    Kept current in the same transaction as each response and exclusion
    (excluded responses are not in it). Every figure is computed from these
    rows (or their monthly twins); responses are never loaded into Python to
    compute an index.

    changed_xid is the id of the last transaction that changed the row: it is
    the change record of the provincial rollup, written with the change
    itself. The rollup takes rows whose xid lies below the oldest transaction
    still running (pg_snapshot_xmin), so a change that commits late is never
    skipped.
    """

    # No index of its own: the unique constraint's index leads with service.
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+", db_index=False)
    day = models.DateField()
    changed_xid = models.BigIntegerField(default=0, db_default=0, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "day"], name="one_total_per_service_day"),
            never_negative("daily_service_totals"),
        ]

    def __str__(self) -> str:
        return f"{self.service_id} {self.day}"


class MonthlyServiceTotals(ElementTotalsColumns):
    """Per service and calendar month, kept in the same statement as the daily row.

    Every period is whole months, so a year's figures sum 12 rows per service
    instead of 365.
    """

    # No index of its own: the unique constraint's index leads with service.
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+", db_index=False)
    month = models.DateField(help_text="The first day of the month.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["service", "month"], name="one_total_per_service_month"
            ),
            never_negative("monthly_service_totals"),
        ]

    def __str__(self) -> str:
        return f"{self.service_id} {self.month:%Y-%m}"


class DailyProfileTotals(ElementTotalsColumns):
    """Like DailyServiceTotals, split by one respondent-profile field's value.

    One row per (service, day, field, value): the breakdowns by sex, age,
    education, occupation, disability and session come from here.
    """

    # No index of its own: the unique constraint's index leads with service.
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+", db_index=False)
    day = models.DateField()
    field = models.CharField(max_length=20)
    value = models.CharField(max_length=20)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["service", "day", "field", "value"], name="one_profile_total_per_slot"
            ),
            never_negative("daily_profile_totals"),
        ]

    def __str__(self) -> str:
        return f"{self.service_id} {self.day} {self.field}={self.value}"
