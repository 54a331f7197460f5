"""The demo's mailbox at /surat/ and run_demo's port: what the demo sends can be read.

The mailbox reads the files of Django's file-based e-mail backend: only the
province's admins, and only where DEMO_MAILBOX is on. run_demo stops before
seeding when its port is taken, and --port changes every link it makes.
"""

import io
import socket

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import override_settings

from sukma.demo.mailbox import mailbox_letters
from sukma.demo.management.commands.run_demo import port_free_or_stop
from sukma.tenants.naming import url_for_host
from tests.conftest import PUBLIC_HOST, TULUNGAGUNG_HOST, host_client

pytestmark = pytest.mark.django_db
FILE_BACKEND = "sukma.demo.mailbox.MailFolderBackend"  # what the demo's settings name


@pytest.fixture
def mail_folder(tmp_path):
    with override_settings(
        EMAIL_BACKEND=FILE_BACKEND, EMAIL_FILE_PATH=str(tmp_path), DEMO_MAILBOX=True
    ):
        yield tmp_path


def send_invitation(to: str, link: str) -> None:
    mail.send_mail("Undangan SuKMa", f"Buka tautan ini: {link}\n", None, [to])


def test_the_province_admin_reads_every_message_with_its_link(personas, mail_folder):
    link = url_for_host(TULUNGAGUNG_HOST, "/undangan/abc123/")
    send_invitation("operator@dukcapil.tulungagungkab.go.id", link)
    mail.send_mail("Pengaduan baru", "Ada pengaduan baru.", None, ["opd@example.go.id"])
    page = host_client(PUBLIC_HOST, personas.province_admin).get("/surat/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Undangan SuKMa" in html and "Pengaduan baru" in html
    assert f'<a href="{link}"' in html
    assert html.index("Pengaduan baru") < html.index("Undangan SuKMa")  # newest first


def test_messages_are_read_back_from_the_files(mail_folder):
    for n in range(3):
        send_invitation(f"orang{n}@example.go.id", f"http://x.localhost:8000/{n}/")
    letters = mailbox_letters(mail_folder)
    assert [letter.to for letter in letters] == [f"orang{n}@example.go.id" for n in (2, 1, 0)]
    assert "http://x.localhost:8000/0/" in letters[-1].body


def test_a_regency_admin_gets_403_and_anonymous_signs_in(personas, mail_folder):
    assert host_client(PUBLIC_HOST, personas.tulungagung_admin).get("/surat/").status_code == 403
    response = host_client(PUBLIC_HOST).get("/surat/")
    assert response.status_code == 302 and "next=/surat/" in response["Location"]


def test_outside_the_demo_there_is_no_mailbox(personas):
    with override_settings(DEMO_MAILBOX=False):
        page = host_client(PUBLIC_HOST, personas.province_admin).get("/surat/")
    assert page.status_code == 404


def test_an_empty_or_missing_folder_is_an_empty_mailbox(personas, tmp_path):
    with override_settings(EMAIL_FILE_PATH=str(tmp_path / "none"), DEMO_MAILBOX=True):
        page = host_client(PUBLIC_HOST, personas.province_admin).get("/surat/")
    assert page.status_code == 200 and 'id="no-letters"' in page.content.decode()


# ---------------------------------------------------------------- the port
def test_a_taken_port_stops_the_demo_before_seeding_with_what_to_do():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        with pytest.raises(CommandError, match=f"Port {port} is already in use.*PORT={port + 1}"):
            call_command("run_demo", port=port)


def test_a_free_port_passes():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        port = holder.getsockname()[1]
    port_free_or_stop(port)


def test_port_changes_every_link_it_prints_and_what_its_children_mail(settings, monkeypatch):
    """run_demo --port: its welcome lines and its children's SITE_PORT name the port."""
    from sukma.demo.management.commands import run_demo

    settings.SITE_PORT = 8000
    monkeypatch.setenv("SITE_PORT", "8000")
    monkeypatch.setattr(run_demo, "call_command", lambda *a, **k: None)
    monkeypatch.setattr(run_demo.time, "sleep", lambda s: None)
    for name in ("_start_children", "_wait", "_stop"):
        monkeypatch.setattr(run_demo.Command, name, lambda self, *a: {})
    monkeypatch.setattr(run_demo.Command, "_sample_survey_url", staticmethod(lambda: "-"))
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        port = holder.getsockname()[1]
    out = io.StringIO()
    call_command("run_demo", port=port, stdout=out)
    assert f":{port}/surat/" in out.getvalue() and ":8000" not in out.getvalue()
    assert run_demo.Command()._child_env()["SITE_PORT"] == str(port)
    assert url_for_host(TULUNGAGUNG_HOST, "/s/X/") == f"http://{TULUNGAGUNG_HOST}:{port}/s/X/"
