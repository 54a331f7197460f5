"""The client's network address, the one every limiter and lockout keys on.

The direct peer (REMOTE_ADDR) is the client, unless the deployment names it
as one of its own proxies in TRUSTED_PROXIES: then the client is the nearest
X-Forwarded-For hop that is not one of those proxies. A header anyone can
send is never believed on its own: without a trusted peer it is ignored,
and hops left of the first untrusted one could have been written by the
client itself.
"""

import functools
import ipaddress

from django.conf import settings

ADDRESS_MAX = 64


@functools.lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in proxies if p.strip())


def _trusted(address: str) -> bool:
    networks = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))
    if not networks:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(request) -> str:
    """The address of the client that sent `request`, as far as our own proxies vouch."""
    peer = str(request.META.get("REMOTE_ADDR", ""))[:ADDRESS_MAX]
    if not _trusted(peer):
        return peer
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop):
            return hop[:ADDRESS_MAX]
    return hops[0][:ADDRESS_MAX] if hops else peer
