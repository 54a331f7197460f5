"""Test sessions that have passed the second factor, with a real device of a known secret.

The gate (sukma/platform/second_factor_gate.py) holds for force_login'd
sessions too: a test client of an admin is given a confirmed TOTP device
with KNOWN_SECRET and its session is marked verified by that device, exactly
as django_otp.login does after a real code. Browser tests type
``current_code()`` on the real page instead.
"""

import time

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from sukma.access.second_factor import requires_second_factor

# Twenty bytes, hex-encoded as django-otp stores them.
KNOWN_SECRET = "3132333435363738393031323334353637383930"


def device_for(user) -> TOTPDevice:
    """The user's confirmed app device with the known secret (made if missing)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test", key=KNOWN_SECRET, confirmed=True)
    return device


def code_for(device: TOTPDevice, *, offset: int = 0) -> str:
    """The device's code now (offset in steps: -1 the previous one, 1 the next)."""
    generator = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    generator.time = time.time() + offset * device.step
    return f"{generator.token():0{device.digits}d}"


def mark_verified(client, user) -> None:
    """After client.force_login(user): the session has passed the second factor, if owed."""
    if not requires_second_factor(user):
        return
    device = device_for(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def browser_sign_in(page, login_url: str, email: str, password: str) -> None:
    """Sign in through the real form, then type the app's code on the real code page.

    The user is given the known-secret device first (committed: the caller runs
    with the database unblocked, as browser tests do). A TOTP code is refused
    a second time within its 30 seconds, and browser tests sign the same
    personas in several times a minute; so the device forgets its last used
    step and its throttle here, as a phone would after 30 seconds.
    """
    from sukma.access.models import User

    device = device_for(User.objects.get(email=email))
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, throttling_failure_count=0)
    page.goto(login_url)
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password)
    page.click("form.form button[type=submit]")
    page.wait_for_url("**/akun/verifikasi/**")
    device.refresh_from_db()
    page.fill("input[name=code]", code_for(device))
    page.click("form.form button[type=submit]")
