"""With DEBUG off, every error is a page people can read, in their language, or JSON under /api/.

400, 403, 404, 500 and 503 on both planes (the province's base domain and a regency's host);
the 429 pages have their own tests (tests/platform/test_locked_out_page.py and the citizen's).
"""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client, override_settings

from sukma.errors import permission_denied
from sukma.tenants.models import RegencyStatus
from tests.conftest import PUBLIC_HOST, TULUNGAGUNG_HOST

HOSTS = [PUBLIC_HOST, TULUNGAGUNG_HOST]
LANGUAGES = {"id": "Halaman tidak ditemukan", "en": "Page not found"}


def _client(host: str, language: str = "id") -> Client:
    # raise_request_exception=False: the client returns the 500 page as a browser sees it.
    return Client(HTTP_HOST=host, HTTP_ACCEPT_LANGUAGE=language, raise_request_exception=False)


def _page(response) -> str:
    assert response["Content-Type"].startswith("text/html")
    return response.content.decode()


@pytest.mark.parametrize("host", HOSTS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_missing_page_is_a_readable_404_in_the_visitors_language(personas, db, host, language):
    response = _client(host, language).get("/tidak-ada/")
    assert response.status_code == 404
    page = _page(response)
    assert LANGUAGES[language] in page
    assert f'<html lang="{language}">' in page
    assert "Not Found</h1>" not in page  # Django's bare page
    assert 'href="/"' in page


@pytest.mark.parametrize("host", HOSTS)
def test_a_missing_api_address_answers_json_in_the_apis_shape(personas, db, host):
    response = _client(host).get("/api/v1/tidak-ada/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "detail": "Halaman yang Anda minta tidak ada atau sudah dipindahkan. Periksa alamatnya.",
        "errors": {},
    }


@pytest.mark.parametrize("host", HOSTS)
def test_an_unreadable_request_is_a_readable_400(personas, db, host):
    # More form fields than Django accepts (DATA_UPLOAD_MAX_NUMBER_FIELDS): a SuspiciousOperation.
    fields = {f"f{i}": "x" for i in range(1100)}
    response = _client(host).post("/masuk/", fields)
    assert response.status_code == 400
    assert "Permintaan tidak dapat dibaca" in _page(response)


@pytest.mark.parametrize("host", HOSTS)
def test_a_forbidden_request_is_a_readable_403(personas, db, host):
    # The CSRF failure view is the commonest 403 people meet: a form left open too long.
    client = Client(HTTP_HOST=host, enforce_csrf_checks=True, raise_request_exception=False)
    response = client.post("/masuk/", {"username": "a@b.id", "password": "x"})
    assert response.status_code == 403
    assert "<html" in _page(response)


def test_permission_denied_raised_anywhere_is_the_readable_403(personas, db, rf):
    request = rf.get("/dasbor/", HTTP_HOST=TULUNGAGUNG_HOST)
    response = permission_denied(request, PermissionDenied())
    assert response.status_code == 403
    assert "Tidak diizinkan" in response.content.decode()


@override_settings(ROOT_URLCONF="tests.errors.failing_urls")
@pytest.mark.parametrize("language,words", [("id", "Terjadi kesalahan"), ("en", "went wrong")])
def test_a_bug_shows_a_readable_500_not_djangos_page(personas, db, language, words):
    response = _client(TULUNGAGUNG_HOST, language).get("/rusak/")
    assert response.status_code == 500
    page = _page(response)
    assert words in page
    assert "Server Error (500)" not in page


@override_settings(ROOT_URLCONF="tests.errors.failing_urls")
def test_a_bug_under_the_api_answers_json(personas, db):
    response = _client(TULUNGAGUNG_HOST).get("/api/v1/rusak/")
    assert response.status_code == 500
    assert response.json()["errors"] == {}
    assert "Silakan coba lagi" in response.json()["detail"]


@override_settings(ROOT_URLCONF="tests.errors.failing_urls")
@pytest.mark.parametrize("path", ["/basis-data-hilang/", "/api/v1/basis-data-hilang/"])
def test_a_lost_database_asks_people_to_try_again_with_retry_after(personas, db, path):
    response = _client(TULUNGAGUNG_HOST).get(path)
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    text = response.content.decode()
    assert "coba lagi" in text


@pytest.mark.parametrize("language,words", [("id", "dihentikan"), ("en", "suspended")])
def test_a_suspended_regency_answers_a_readable_503(personas, db, language, words):
    regency = personas.tulungagung
    regency.status = RegencyStatus.SUSPENDED
    regency.save(update_fields=["status"])
    response = _client(TULUNGAGUNG_HOST, language).get("/")
    assert response.status_code == 503
    assert words in _page(response)
    api = _client(TULUNGAGUNG_HOST, language).get("/api/v1/questionnaire/")
    assert api.status_code == 503
    assert words in api.json()["detail"]


def test_an_unknown_host_answers_a_readable_404(db):
    response = _client(f"tidak-ada.{PUBLIC_HOST}").get("/")
    assert response.status_code == 404
    assert "Tidak ada kabupaten/kota yang dilayani di alamat ini." in _page(response)


@pytest.mark.parametrize("host", HOSTS)
def test_the_favicon_is_served_on_every_host(personas, db, host):
    response = _client(host).get("/favicon.ico", follow=True)
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file
