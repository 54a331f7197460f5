"""API tokens over HTTP: issue one at sign-in, list them, revoke them; and the check on each call.

POST /api/v1/auth/token/ takes an e-mail address, a password and, for whoever
has or needs a second factor, its code; it answers a NEW token each time
(sukma.access.tokens: expiring, hashed at rest, shown only in this answer).
The check goes through django.contrib.auth.authenticate with the request, so
django-axes and sukma.access.throttle limit it exactly as the sign-in page.

A token that is unknown, expired or revoked answers 401, never 403: the
client must sign in again, not ask for a permission it will not get.
Tokens issued before hashing (DRF's authtoken) were deleted by migration
platform 0002 and no longer work.
"""

from django.contrib.auth import authenticate
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from sukma.access import second_factor
from sukma.access.throttle import sign_in_wait
from sukma.access.tokens import (
    may_revoke,
    token_issue,
    token_revoke,
    tokens_visible_to,
)
from sukma.addresses import client_address
from sukma.api.authentication import ApiTokenAuthentication
from sukma.api.serializers import ErrorSerializer, InputSerializer

UNAUTHORIZED = OpenApiResponse(
    ErrorSerializer,
    description="No token, or a token that is unknown, expired or revoked: sign in again.",
)
FORBIDDEN = OpenApiResponse(
    ErrorSerializer, description="A session that has not passed its second factor yet."
)


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema names ApiTokenAuthentication."""

    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <token>` from POST /api/v1/auth/token/. Expires (30 days by "
            "default); revoked on password change or deactivation; then 401.",
        }


class SignInSerializer(InputSerializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False)
    otp = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        help_text="The authenticator app's code, or a recovery code; required of whoever "
        "has a second factor or must have one.",
    )
    name = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text="What the token is for, to tell it apart on the list (e.g. the script's name).",
    )


class TokenSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    prefix = serializers.CharField(read_only=True, help_text="The token's first characters.")
    user = serializers.EmailField(source="user.email", read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    expires_at = serializers.DateTimeField(read_only=True)
    last_used_at = serializers.DateTimeField(read_only=True, allow_null=True)
    revoked_at = serializers.DateTimeField(read_only=True, allow_null=True)
    revoked_reason = serializers.CharField(read_only=True)


class IssuedTokenSerializer(TokenSerializer):
    token = serializers.CharField(
        read_only=True, help_text="The secret: shown this once, stored only as a keyed hash."
    )


class SignInLockedOut(exceptions.Throttled):
    default_detail = _("Too many failed sign-in attempts. Try again later.")


def _authenticate(request, email: str, password: str):
    """The user, or a 400 (wrong credentials) or 429 (locked or slowed) in the caller's language.

    The address goes in as "username": ModelBackend reads it as the
    USERNAME_FIELD, and axes keys its lock-out on it (AXES_USERNAME_FORM_FIELD).
    Axes (and sukma.access.throttle) flag DRF's Request, not the HttpRequest
    inside it, so axes' middleware leaves our JSON 429 alone.
    """
    user = authenticate(request=request, username=email.lower(), password=password)
    if user is not None:
        return user
    if getattr(request, "axes_locked_out", False):
        raise SignInLockedOut(wait=max(1, int(sign_in_wait(request) + 0.999)))
    # DRF's own message, so that its catalogues already translate it.
    raise exceptions.ValidationError(
        {"non_field_errors": [_("Unable to log in with provided credentials.")]}
    )


def _check_second_factor(user, code: str) -> None:
    """A 400 unless the second factor is satisfied (or not needed by this person)."""
    if not second_factor.requires_second_factor(user):
        return
    if not second_factor.has_second_factor(user):
        raise exceptions.ValidationError(
            {"otp": [_("Set up your second factor on the website before asking for a token.")]}
        )
    if not code:
        raise exceptions.ValidationError(
            {"otp": [_("Enter the code from your authenticator app.")]}
        )
    if not second_factor.second_factor_verify(user, code.strip()):
        raise exceptions.ValidationError({"otp": [_("The code is wrong or has expired.")]})


class ObtainTokenView(APIView):
    # No session or token is needed to ask for a token, and none is enforced:
    # without SessionAuthentication there is no CSRF check on a login.
    # DELETE revokes the token it is sent with, so it does authenticate.
    permission_classes = [AllowAny]

    def get_authenticators(self):
        # The schema generator asks without a request.
        if getattr(getattr(self, "request", None), "method", None) == "DELETE":
            return [ApiTokenAuthentication()]
        return []

    @extend_schema(
        tags=["auth"],
        summary="Exchange an e-mail address and password (and second factor) for a new API token",
        description="Each call issues a NEW token, valid for 30 days (setting API_TOKEN_DAYS). "
        "Send it back as `Authorization: Token <token>`. Whoever has or must have a second "
        "factor sends its code as `otp`. Repeated failures are throttled (429 with Retry-After): "
        "per e-mail and client address, per client address, and per e-mail (growing delays).",
        request=SignInSerializer,
        responses={
            201: IssuedTokenSerializer,
            400: OpenApiResponse(
                ErrorSerializer, description="Wrong e-mail or password, or second factor missing"
            ),
            429: OpenApiResponse(ErrorSerializer, description="Too many failures: wait"),
        },
        auth=[],
    )
    def post(self, request):
        given = SignInSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        user = _authenticate(request, data["email"], data["password"])
        _check_second_factor(user, data.get("otp", ""))
        token, secret = token_issue(
            user, name=data.get("name", ""), address=client_address(request)
        )
        token.token = secret
        return Response(IssuedTokenSerializer(token).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=["auth"],
        summary="Revoke the token this request is sent with (sign out a script)",
        request=None,
        responses={204: None, 401: UNAUTHORIZED, 403: FORBIDDEN},
    )
    def delete(self, request):
        if request.auth is None:
            raise exceptions.NotAuthenticated()
        token_revoke(request.auth, actor=request.user, reason="signed_out")
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenListView(APIView):
    @extend_schema(
        tags=["auth"],
        summary="The tokens you may see and revoke",
        description="Your own; a regency admin also sees those of their regency's agency "
        "operators; a province admin sees everyone's. Newest first, revoked and expired "
        "included. The secret itself is never shown again.",
        responses={200: TokenSerializer(many=True), 401: UNAUTHORIZED, 403: FORBIDDEN},
    )
    def get(self, request):
        tokens = tokens_visible_to(request.user).order_by("-created_at", "-id")[:500]
        return Response(TokenSerializer(tokens, many=True).data)


class TokenDetailView(APIView):
    @extend_schema(
        tags=["auth"],
        summary="Revoke a token",
        description="Yours, or (as a regency admin) one of your agency operators', or (as a "
        "province admin) anyone's. Revoking a revoked token changes nothing.",
        request=None,
        responses={
            204: None,
            401: UNAUTHORIZED,
            403: FORBIDDEN,
            404: OpenApiResponse(ErrorSerializer, description="No such token that you may revoke"),
        },
    )
    def delete(self, request, id: int):
        token = get_object_or_404(tokens_visible_to(request.user), pk=id)
        if may_revoke(request.user, token):
            mine = token.user_id == request.user.pk
            reason = "revoked_by_owner" if mine else "revoked_by_admin"
            token_revoke(token, actor=request.user, reason=reason)
        return Response(status=status.HTTP_204_NO_CONTENT)
