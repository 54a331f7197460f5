"""Signing in and out, and setting a password from an invitation; on every host."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from sukma.platform.forms import EmailAuthenticationForm


class SignInView(auth_views.LoginView):
    template_name = "platform/sign_in.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    pass


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """The invitation link: choose a password, then sign in on the same host."""

    template_name = "platform/set_password.html"
    success_url = reverse_lazy("login")
    post_reset_login = False

    def form_valid(self, form):
        messages.success(self.request, _("Your password is set. You can sign in now."))
        return super().form_valid(form)


def form_expired(request, reason=""):
    """CSRF failure: most often a page left open too long or cookies cleared. Say so kindly."""
    return render(request, "platform/form_expired.html", status=403)
