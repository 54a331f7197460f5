"""Exactly once through gunicorn: ten copies of one answer sent together store one response.

A double tap on a slow network, a retry after a timeout: the copies carry
the form's submission key, so whichever arrives first is stored and every
copy is answered with it (the same thank-you page, the same tracking code).
"""

import re
import urllib.parse

from django.db import connection

from sukma.surveys.models import Response
from tests.serving.test_one_address import ANSWERS, Phone, all_at_once

TRACKING_CODE = re.compile(r'id="tracking-code">([^<]+)<')


def test_ten_copies_of_one_answer_store_one_and_all_get_its_tracking_code(
    gunicorn, counter, personas
):
    phone = Phone(gunicorn)
    phone.open_form(counter.code)
    body = urllib.parse.urlencode(
        {**phone.form, **ANSWERS, "suggestion": "Mohon tambah kursi antrean."}
    ).encode()
    copies = [Phone(gunicorn, cookies=dict(phone.cookies)) for _ in range(10)]
    statuses = all_at_once(
        [lambda c=c: c.request("POST", f"/s/{counter.code}/", body) for c in copies], threads=10
    )
    assert statuses == [302] * 10
    codes = set()
    for copy in copies:
        page = copy.fetch(f"/s/{counter.code}/terima-kasih/")
        codes.update(TRACKING_CODE.findall(page))
    connection.set_tenant(personas.tulungagung)
    stored = list(Response.objects.filter(service_point_id=counter.pk))
    connection.set_schema_to_public()
    assert len(stored) == 1
    assert codes == {stored[0].tracking_code}
