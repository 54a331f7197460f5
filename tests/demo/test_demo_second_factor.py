"""The demo's admins can pass the second factor: a published key, and a command for its code."""

import io

import pytest
from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from sukma.access.models import User
from sukma.access.second_factor import second_factor_verify
from sukma.demo import seed as demo

pytestmark = pytest.mark.django_db


def test_each_printed_demo_admin_gets_the_published_authenticator(personas):
    emails = [email for _role, email in demo.demo_sign_ins()]
    TOTPDevice.objects.filter(user__email__in=emails).delete()
    assert demo.demo_second_factors() == len(emails)
    assert demo.demo_second_factors() == 0  # seeding again adds nothing
    printed = io.StringIO()
    call_command("demo_code", stdout=printed)
    code = printed.getvalue().strip()
    assert len(code) == 6 and code.isdigit()
    assert second_factor_verify(User.objects.get(email=emails[0]), code)
