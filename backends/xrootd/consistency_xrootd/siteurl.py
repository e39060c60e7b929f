"""Parse a site's root:// URL into a server address and a path prefix.

``root://host:port/cms`` means the LFN ``/store/x`` is the server path ``/cms/store/x``
(the upstream ``PathPrefix``). Anything else (no host, another scheme, a bad port, a
query string) is refused before a request is sent.
"""
from __future__ import annotations

import re
import urllib.parse

import attrs

from consistency_core import ConsistencyError

SCHEMES = ("root", "xroot")
DEFAULT_PORT = 1094
_HOST = re.compile(r"^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+)$")


@attrs.frozen
class ServerURL:
    """One door: ``root://host:port`` and the path prefix put before every LFN."""

    host: str
    port: int
    prefix: str = ""

    @property
    def address(self) -> str:
        return f"root://{self.host}:{self.port}"

    def path(self, lfn: str) -> str:
        return self.prefix + lfn

    def __str__(self) -> str:
        return self.address + self.prefix


def parse(url: str, where: str = "url", default_prefix: str = "") -> ServerURL:
    """Parse ``root://host[:port][/prefix]``; raise ConsistencyError naming ``where``."""
    def bad(why: str) -> ConsistencyError:
        return ConsistencyError(f"{where}: {url!r} is not a usable XRootD URL: {why}")

    if not url:
        raise bad("empty (expected root://host[:port][/prefix])")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in SCHEMES:
        got = parts.scheme + "://" if parts.scheme else "none"
        raise bad(f"scheme must be root:// (got {got})")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise bad("no user, query or fragment allowed")
    netloc = parts.netloc
    host, _, port_text = netloc.rpartition(":") if not netloc.endswith("]") else (netloc, "", "")
    if not host:
        host, port_text = port_text, ""
    if not host or not _HOST.match(host):
        raise bad(f"bad host {host!r}")
    try:
        port = int(port_text) if port_text else DEFAULT_PORT
    except ValueError:
        raise bad(f"bad port {port_text!r}") from None
    if not 0 < port < 65536:
        raise bad(f"port {port} out of range")
    prefix = "/" + parts.path.strip("/") if parts.path.strip("/") else default_prefix
    if "//" in prefix or "/../" in prefix + "/" or "/./" in prefix + "/":
        raise bad(f"bad path prefix {parts.path!r}")
    return ServerURL(host, port, prefix)
