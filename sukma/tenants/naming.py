"""How a regency's names are derived: its schema name and its host names."""

import re

from django.conf import settings

SUBDOMAIN_PATTERN = re.compile(r"^[a-z][a-z0-9-]{1,40}[a-z0-9]$")


def schema_name_for(subdomain: str) -> str:
    """PostgreSQL schema for a subdomain: tulungagungkab -> r_tulungagungkab."""
    return "r_" + subdomain.replace("-", "_")


def host_for(subdomain: str) -> str:
    return f"{subdomain}.{settings.BASE_DOMAIN}"


def url_for_host(host: str, path: str = "/") -> str:
    """Absolute URL on a host of this deployment, with the configured scheme and port."""
    default_port = {"http": 80, "https": 443}[settings.SITE_SCHEME]
    port = "" if default_port == settings.SITE_PORT else f":{settings.SITE_PORT}"
    return f"{settings.SITE_SCHEME}://{host}{port}{path}"
