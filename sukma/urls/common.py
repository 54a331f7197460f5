"""Routes every host has: signing in and out, invitations, language, API schema and docs."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from sukma.platform import views_auth


def common_patterns(urlconf: str) -> list:
    return [
        path("masuk/", views_auth.SignInView.as_view(), name="login"),
        path("keluar/", views_auth.SignOutView.as_view(), name="logout"),
        path(
            "akun/atur-sandi/<uidb64>/<token>/",
            views_auth.SetPasswordView.as_view(),
            name="set_password",
        ),
        path("i18n/", include("django.conf.urls.i18n")),
        path("api/schema/", SpectacularAPIView.as_view(urlconf=urlconf), name="schema"),
        path(
            "api/docs/",
            SpectacularSwaggerView.as_view(url_name="schema"),
            name="api-docs",
        ),
    ]
