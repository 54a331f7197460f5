"""A person's own account, on every host: forgotten and changed passwords, the second factor.

A forgotten password: the person gives their address and always reads the
same answer, whether or not it belongs to anyone; an account gets an e-mail
with a link that works once (it is signed with the current password hash,
which the reset changes) and for PASSWORD_RESET_LINK_HOURS. A new password,
by reset or change, revokes all of that person's API tokens.

The second factor (sukma/access/second_factor.py): after the password,
SecondFactorGate (sukma/platform/second_factor_gate.py) sends the session
here, to enter a code or, for an admin without one, to set one up. A session
that passed is marked by django-otp (``request.user.is_verified()``).
"""

import io

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from sukma.access import second_factor as factor
from sukma.access.audit import audit_record
from sukma.access.models import User
from sukma.access.permissions import can_admin_regency, is_province_admin
from sukma.access.tokens import token_is_live, token_revoke, tokens_of, tokens_revoke_all
from sukma.platform.forms_account import (
    CodeForm,
    PasswordChangeForm,
    PasswordForgotForm,
    PasswordResetForm,
    PersonForm,
    SetupCodeForm,
)

RECOVERY_CODES_SESSION_KEY = "sukma_recovery_codes"


class ResetLinkTokens(PasswordResetTokenGenerator):
    """Reset links: their own salt (an invitation's link is no reset link) and a short life.

    Django's generator takes its lifetime from PASSWORD_RESET_TIMEOUT, which is
    the invitations' week; a forgotten-password link should not live that long.
    """

    key_salt = "sukma.platform.views_account.ResetLinkTokens"

    def check_token(self, user, token):
        if not super().check_token(user, token):
            return False
        try:
            timestamp = self._num_seconds(self._now()) - self._timestamp_of(token)
        except ValueError:
            return False
        return timestamp <= settings.PASSWORD_RESET_LINK_HOURS * 3600

    @staticmethod
    def _timestamp_of(token: str) -> int:
        from django.utils.http import base36_to_int

        return base36_to_int(token.split("-")[0])


reset_link_tokens = ResetLinkTokens()


def _new_password_done(user, *, actor, action: str) -> None:
    """What follows any new password: the audit row, and no API token outlives it."""
    with transaction.atomic():
        audit_record(actor=actor, action=action, target=user)
        tokens_revoke_all(user, reason=action, actor=actor)


class PasswordForgotView(auth_views.PasswordResetView):
    template_name = "platform/account/password_forgot.html"
    form_class = PasswordForgotForm
    email_template_name = "platform/email/password_reset_body.txt"
    subject_template_name = "platform/email/password_reset_subject.txt"
    token_generator = reset_link_tokens
    success_url = reverse_lazy("password_forgot_sent")
    extra_email_context = {"hours": settings.PASSWORD_RESET_LINK_HOURS}

    def form_valid(self, form):
        response = super().form_valid(form)
        # Audited for accounts only; the answer on the page is the same either way.
        with transaction.atomic():
            for user in form.get_users(form.cleaned_data["email"]):
                audit_record(actor=None, action="password.reset_requested", target=user)
        return response


class PasswordForgotSentView(auth_views.PasswordResetDoneView):
    template_name = "platform/account/password_forgot_sent.html"


class PasswordResetView(auth_views.PasswordResetConfirmView):
    template_name = "platform/account/password_reset.html"
    form_class = PasswordResetForm
    token_generator = reset_link_tokens
    success_url = reverse_lazy("login")
    post_reset_login = False

    def form_valid(self, form):
        response = super().form_valid(form)
        _new_password_done(form.user, actor=form.user, action="password.reset")
        messages.success(self.request, _("Your new password is saved. You can sign in now."))
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "platform/account/password_change.html"
    form_class = PasswordChangeForm
    success_url = reverse_lazy("account")

    def form_valid(self, form):
        response = super().form_valid(form)
        _new_password_done(form.user, actor=form.user, action="password.changed")
        messages.success(
            self.request,
            _("Your password is changed. API tokens made before it no longer work."),
        )
        return response


@login_required
def account(request):
    """The person's own page: password, second factor, recovery codes left, API tokens."""
    user = request.user
    return render(
        request,
        "platform/account/account.html",
        {
            "has_factor": factor.has_second_factor(user),
            "resets_others": user.is_superuser or _must_set_up(user),
            "codes_left": factor.recovery_codes_left(user),
            "tokens": [(t, token_is_live(t)) for t in tokens_of(user)[:50]],
        },
    )


@login_required
@require_POST
def api_token_revoke(request, pk: int):
    """The owner revokes one of their own API tokens (audited); an app using it gets 401."""
    token = get_object_or_404(tokens_of(request.user), pk=pk)
    if token_revoke(token, actor=request.user, reason="revoked_by_owner"):
        messages.success(request, _("The token %(prefix)s… is revoked.") % {"prefix": token.prefix})
    return redirect("account")


def _next_url(request, default: str | None = None) -> str:
    """Where to go after the second factor: the page first asked for, if it is ours."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default or reverse(settings.LOGIN_REDIRECT_URL)


@login_required
def second_factor_verify(request):
    """After the password: a code from the app, or a recovery code."""
    user = request.user
    if user.is_verified():
        return redirect(_next_url(request))
    if not factor.has_second_factor(user):
        return redirect(f"{reverse('second_factor_setup')}?next={_next_url(request)}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = factor.second_factor_match(user, form.cleaned_data["code"])
        if device is not None:
            return _verified(request, device)
        with transaction.atomic():
            audit_record(actor=user, action="second_factor.failed", target=user)
        if factor.second_factor_throttled(user):
            form.add_error("code", _("Too many wrong codes. Wait a minute, then try again."))
        else:
            form.add_error("code", _("That code is not right, or it was already used. Try again."))
    return render(
        request,
        "platform/account/second_factor_verify.html",
        {"form": form, "next": _next_url(request)},
    )


def _verified(request, device):
    otp_login(request, device)
    if factor.is_recovery_device(device):
        left = factor.recovery_codes_left(request.user)
        with transaction.atomic():
            audit_record(
                actor=request.user,
                action="second_factor.recovery_code_used",
                target=request.user,
                after={"recovery_codes_left": left},
            )
        messages.warning(
            request,
            _("You used a recovery code; %(left)d are left. Make new ones on your account page.")
            % {"left": left},
        )
    return redirect(_next_url(request))


def _qr_svg(uri: str) -> str:
    """The provisioning URI as an inline SVG, drawn here: the secret never leaves the server."""
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=5, xmldecl=False, svgns=True)
    return mark_safe(out.getvalue().decode())  # segno's own markup; no user input in it


@login_required
def second_factor_setup(request):
    """Scan the code (or type the secret), confirm with a code, then see the recovery codes."""
    user = request.user
    if factor.has_second_factor(user) and not user.is_verified():
        return redirect(f"{reverse('second_factor_verify')}?next={_next_url(request)}")
    device = factor.setup_pending(user)
    if device is None or (request.method == "GET" and "new" in request.GET):
        device = factor.setup_begin(user)
    form = SetupCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = factor.setup_confirm(user, device, form.cleaned_data["code"])
        if codes is not None:
            otp_login(request, device)
            request.session[RECOVERY_CODES_SESSION_KEY] = codes
            return redirect(f"{reverse('second_factor_codes')}?next={_next_url(request)}")
        form.add_error(
            "code", _("That code is not right. Check the time on your phone and try again.")
        )
    uri = device.config_url  # otpauth://totp/SuKMa%20Jatim:<e-mail>?secret=...
    return render(
        request,
        "platform/account/second_factor_setup.html",
        {
            "form": form,
            "qr": _qr_svg(uri),
            "secret": _grouped(device.bin_key),
            "next": _next_url(request),
            "required": user.is_staff or _must_set_up(user),
        },
    )


def _must_set_up(user) -> bool:
    from sukma.access.models import Membership

    return Membership.objects.filter(user=user, role__in=factor.ADMIN_ROLES).exists()


def _grouped(key: bytes) -> str:
    """The base32 secret in groups of four, as authenticator apps ask for it typed."""
    from base64 import b32encode

    text = b32encode(key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


@login_required
def second_factor_codes(request):
    """The recovery codes, shown once right after they are made; POST makes new ones."""
    user = request.user
    # Only a session that passed the factor: else a password alone could mint recovery codes.
    if not user.is_verified():
        return redirect("account")
    if request.method == "POST":
        request.session[RECOVERY_CODES_SESSION_KEY] = factor.recovery_codes_renew(user)
        return redirect("second_factor_codes")
    codes = request.session.pop(RECOVERY_CODES_SESSION_KEY, None)
    if not codes:
        return redirect("account")
    return render(
        request,
        "platform/account/second_factor_codes.html",
        {"codes": codes, "next": _next_url(request, reverse("account"))},
    )


@login_required
def second_factor_reset_other(request):
    """A higher role removes someone's lost factor; they set up a new one at next sign-in."""
    regency = getattr(request, "tenant", None)
    regency = regency if getattr(regency, "schema_name", "public") != "public" else None
    if not _resets_here(request.user, regency):
        return render(request, "platform/forbidden.html", status=403)
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        target = User.objects.filter(email__iexact=form.cleaned_data["email"].strip()).first()
        if (
            target is not None
            and _within_this_site(target, regency)
            and factor.second_factor_reset(request.user, target, regency=regency)
        ):
            messages.success(
                request,
                _(
                    "The second factor of %(email)s is removed. "
                    "They set up a new one at their next sign-in."
                )
                % {"email": target.email},
            )
            return redirect("second_factor_reset_other")
        form.add_error("email", _("You may not reset the second factor of this person."))
    return render(request, "platform/account/second_factor_reset.html", {"form": form})


def _resets_here(user, regency) -> bool:
    """The page opens for this regency's admins on its site, the province's on the base domain."""
    if regency is None:
        return user.is_superuser or is_province_admin(user)
    return can_admin_regency(user, regency)


def _within_this_site(target, regency) -> bool:
    """On a regency's site, only that regency's people; the province's site, anyone."""
    if regency is None:
        return True
    return target.memberships.filter(regency_id=regency.pk).exists()
