"""The demo's own pages on the base domain: its mailbox (/surat/)."""

from django.urls import path

from sukma.demo.mailbox import mailbox

urlpatterns = [path("", mailbox, name="demo_mailbox")]
