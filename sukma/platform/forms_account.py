"""Forms of a person's own account: forgotten and changed passwords, the second factor.

Django's own password forms do the work; here they get our labels and
messages, because the Indonesian of Django's catalogue mixes "sandi" and
"kata sandi" and reads stiffly ("Dua bidang sandi tidak cocok").
"""

from django import forms
from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, ngettext_lazy

# Messages that Django's password validators raise and its help texts show.
# They are named here only so that makemessages keeps them in our catalogue,
# where our translation wins over Django's (LOCALE_PATHS come first).
DJANGO_MESSAGES_TRANSLATED_HERE = (
    gettext_noop("This password is too common."),
    gettext_noop("This password is entirely numeric."),
    gettext_noop("The password is too similar to the %(verbose_name)s."),
    gettext_noop("Your password can’t be too similar to your other personal information."),
    gettext_noop("Your password can’t be a commonly used password."),
    gettext_noop("Your password can’t be entirely numeric."),
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        "min_length",
    ),
    ngettext_lazy(
        "Your password must contain at least %(min_length)d character.",
        "Your password must contain at least %(min_length)d characters.",
        "min_length",
    ),
)

PASSWORDS_DIFFER = _("The two passwords are not the same. Type the new password twice.")


def _new_password_fields(form) -> None:
    """Our labels on the two new-password fields of Django's SetPasswordForm family."""
    form.fields["new_password1"].label = _("New password")
    form.fields["new_password2"].label = _("New password again")
    form.fields["new_password2"].help_text = ""
    form.error_messages["password_mismatch"] = PASSWORDS_DIFFER


class PasswordForgotForm(auth_forms.PasswordResetForm):
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class PasswordResetForm(auth_forms.SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _new_password_fields(self)


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _new_password_fields(self)
        self.fields["old_password"].label = _("Current password")
        self.error_messages["password_incorrect"] = _(
            "That is not your current password. Please type it again."
        )


class CodeForm(forms.Form):
    """Six digits from the authenticator app, or one of the ten recovery codes."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )


class SetupCodeForm(CodeForm):
    code = forms.CharField(
        label=_("Code shown by the app"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class PersonForm(forms.Form):
    email = forms.EmailField(label=_("Their e-mail address"), max_length=254)
    confirm = forms.BooleanField(
        label=_("I have confirmed who this person is, by phone or in person."),
    )
