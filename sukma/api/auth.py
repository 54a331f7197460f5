"""POST /api/v1/auth/token/: e-mail and password in, an API token out.

DRF's obtain_auth_token wants a "username"; our users sign in with their
e-mail. The check goes through django.contrib.auth.authenticate with the
request, so django-axes counts failures and locks out exactly as it does on
the sign-in page.
"""

from datetime import timedelta

from axes.helpers import get_cool_off
from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from sukma.api.serializers import ErrorSerializer


class SignInSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)


class SignInLockedOut(exceptions.Throttled):
    default_detail = _("Too many failed sign-in attempts. Try again later.")


def _authenticate(request, email: str, password: str):
    """The user, or a 400 (wrong credentials) or 429 (axes lock-out) in the caller's language.

    The address goes in as "username": ModelBackend reads it as the
    USERNAME_FIELD, and axes keys its lock-out on it (AXES_USERNAME_FORM_FIELD).
    Axes flags DRF's Request, not the HttpRequest inside it, so its
    middleware leaves our JSON 429 alone instead of rendering its HTML page.
    """
    user = authenticate(request=request, username=email.lower(), password=password)
    if user is not None:
        return user
    if getattr(request, "axes_locked_out", False):
        cool_off = get_cool_off(request) or timedelta(0)
        raise SignInLockedOut(wait=cool_off.total_seconds())
    # DRF's own message, so that its catalogues already translate it.
    raise exceptions.ValidationError(
        {"non_field_errors": [_("Unable to log in with provided credentials.")]}
    )


class ObtainTokenView(APIView):
    # No session or token is needed to ask for a token, and none is enforced:
    # without SessionAuthentication there is no CSRF check on a login.
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["auth"],
        summary="Exchange an e-mail address and password for an API token",
        description="Send the token back as `Authorization: Token <token>`. Repeated "
        "failures for one e-mail address and client address lock sign-in for a while (429).",
        request=SignInSerializer,
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(ErrorSerializer, description="Wrong e-mail or password"),
            429: OpenApiResponse(ErrorSerializer, description="Locked out after failures"),
        },
        auth=[],
    )
    def post(self, request):
        given = SignInSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        user = _authenticate(request, **given.validated_data)
        token, _created = Token.objects.get_or_create(user=user)
        return Response(TokenSerializer({"token": token.key}).data)
