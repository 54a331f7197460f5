"""A form posted without a valid security token gets a page that says what to do."""

import pytest

from tests.conftest import PUBLIC_HOST, TULUNGAGUNG_HOST, host_client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("host", "path"), [(PUBLIC_HOST, "/masuk/"), (TULUNGAGUNG_HOST, "/masuk/")]
)
def test_a_post_without_its_token_gets_a_clear_page_and_changes_nothing(personas, host, path):
    client = host_client(host, enforce_csrf_checks=True)
    response = client.post(
        path, {"username": "x@example.org", "password": "y"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()
    indonesian = client.post(path, {}, HTTP_ACCEPT_LANGUAGE="id")
    assert indonesian.status_code == 403
    assert "Tidak ada yang disimpan" in indonesian.content.decode()
