"""Routes every host has: signing in and out, invitations, language, API schema and docs.

Also the error handlers both URL confs re-export (Django looks for `handlerNNN` in the root
URL conf of the request): the pages of sukma/errors.py.
"""

from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from sukma.platform import views_account, views_auth

handler400 = "sukma.errors.bad_request"
handler403 = "sukma.errors.permission_denied"
handler404 = "sukma.errors.page_not_found"
handler500 = "sukma.errors.server_error"


def favicon(request):
    """Pages carry their icon inline; this is for browsers and tools that ask /favicon.ico."""
    return HttpResponsePermanentRedirect(static("sukma/favicon.ico"))


def common_patterns(urlconf: str) -> list:
    return [
        path("favicon.ico", favicon, name="favicon"),
        path("masuk/", views_auth.SignInView.as_view(), name="login"),
        path("keluar/", views_auth.SignOutView.as_view(), name="logout"),
        path(
            "akun/atur-sandi/<uidb64>/<token>/",
            views_auth.SetPasswordView.as_view(),
            name="set_password",
        ),
        *account_patterns(),
        path("i18n/", include("django.conf.urls.i18n")),
        path("api/schema/", SpectacularAPIView.as_view(urlconf=urlconf), name="schema"),
        path(
            "api/docs/",
            # Split: its script is a file of its own, not inline (Content-Security-Policy).
            SpectacularSwaggerSplitView.as_view(url_name="schema"),
            name="api-docs",
        ),
    ]


def account_patterns() -> list:
    """A person's own account: passwords and the second factor (sukma/platform/views_account)."""
    return [
        path("akun/", views_account.account, name="account"),
        path("akun/token/<int:pk>/cabut/", views_account.api_token_revoke, name="api_token_revoke"),
        path(
            "akun/lupa-sandi/", views_account.PasswordForgotView.as_view(), name="password_forgot"
        ),
        path(
            "akun/lupa-sandi/terkirim/",
            views_account.PasswordForgotSentView.as_view(),
            name="password_forgot_sent",
        ),
        path(
            "akun/sandi-baru/<uidb64>/<token>/",
            views_account.PasswordResetView.as_view(),
            name="password_reset_confirm",
        ),
        path(
            "akun/ubah-sandi/", views_account.PasswordChangeView.as_view(), name="password_change"
        ),
        path("akun/verifikasi/", views_account.second_factor_verify, name="second_factor_verify"),
        path("akun/faktor-kedua/", views_account.second_factor_setup, name="second_factor_setup"),
        path(
            "akun/faktor-kedua/kode-pemulihan/",
            views_account.second_factor_codes,
            name="second_factor_codes",
        ),
        path(
            "akun/faktor-kedua/setel-ulang/",
            views_account.second_factor_reset_other,
            name="second_factor_reset_other",
        ),
    ]
