"""Site URLs: which schemes this lister lists, and how an LFN becomes a gfal2 URL."""
from __future__ import annotations

from urllib.parse import quote

from consistency_core import ConfigError, names

# gfal2 plugin schemes that can list a directory with stat (opendir + readpp)
SCHEMES = ("davs", "https", "dav", "http", "srm", "gsiftp", "root", "xroot", "file")
XROOTD_SCHEMES = ("root", "xroot")
# gfal2 takes the path of these URLs percent-encoded and returns names decoded (tested for
# root:// and http://; gfal2 decodes root:// and srm:// paths itself and hands dav and gsiftp
# paths on encoded); file:// paths are taken literally. A plain CMS LFN is unchanged.
ENCODED_SCHEMES = ("davs", "https", "dav", "http", "root", "xroot", "srm", "gsiftp")
_PATH_SAFE = "/-._~!$&'()*+,;=:@"  # RFC 3986 pchar: everything else is encoded


def scheme(url: str) -> str:
    return url.partition("://")[0].lower() if "://" in url else ""


def site_base(url: str, where: str) -> str:
    """The site URL without a trailing slash; a ConfigError naming ``where`` if unusable."""
    if scheme(url) not in SCHEMES:
        raise ConfigError(f"{where}.url: {url!r} is not a URL gfal2 can list "
                          f"(scheme one of: {', '.join(SCHEMES)})")
    if scheme(url) == "file" and not url.removeprefix("file://").startswith("/"):
        raise ConfigError(f"{where}.url: {url!r}: a file URL needs an absolute path (file:///...)")
    base = url.rstrip("/")
    if scheme(url) == "file" and base == "file:":
        base = "file://"  # file:/// is the root directory
    return base


def join(base: str, lfn: str, encode: bool = False) -> str:
    """``base + lfn``: an SRM ``...?SFN=/prefix`` and root://host//prefix work the same way.
    ``encode``: percent-encode the LFN (every scheme but file://)."""
    path = lfn if lfn.startswith("/") else "/" + lfn
    return base + (quote(names.to_bytes(path), safe=_PATH_SAFE) if encode else path)
