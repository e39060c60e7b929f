"""The protected-LFN list of the unmerged area, as WMCore publishes it: LFN prefixes of
outputs still being merged. A file whose LFN starts with a protected prefix is never an unmerged
deletion candidate (nor an orphan).

``unmerged_protected`` names a file or an http(s) URL holding JSON: a list of LFNs, or an
object whose ``result`` (WMStats ``protectedlfns``) or ``protected`` (Unified's
``listProtectedLFN.txt``) is that list. The list is read after the listing, just before the
comparison, so what was protected while the walk ran counts. A list that cannot be read,
is malformed or is empty stops the check: an empty list means something upstream is
wrong, and cleaning against it would delete what is being merged.
"""
from __future__ import annotations

import json
import urllib.error
import urllib.request

from .model import ConsistencyError

KEYS = ("result", "protected")


def load(spec: str, timeout: float = 60.0, where: str = "unmerged_protected") -> list[str]:
    """The sorted, de-duplicated prefixes (without trailing slashes)."""
    text = _read(spec, timeout, where)
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ConsistencyError(f"{where}: {spec}: not JSON: {exc}") from None
    if isinstance(data, dict):
        data = next((data[k] for k in KEYS if k in data), None)
    if not isinstance(data, list) or not all(isinstance(x, str) and x.startswith("/")
                                             for x in data):
        raise ConsistencyError(f"{where}: {spec}: expected a JSON list of LFNs (or an object "
                               f"with {' or '.join(KEYS)} holding one)")
    prefixes = sorted({x.rstrip("/") or "/" for x in data})
    if not prefixes:
        raise ConsistencyError(f"{where}: {spec}: the protected list is empty: refusing to "
                               "clean the unmerged area against it")
    return prefixes


def _read(spec: str, timeout: float, where: str) -> str:
    if spec.startswith(("http://", "https://")):
        try:
            with urllib.request.urlopen(spec, timeout=timeout) as answer:
                return answer.read().decode("utf-8")
        except (urllib.error.URLError, OSError, UnicodeDecodeError) as exc:
            raise ConsistencyError(f"{where}: cannot fetch {spec}: "
                                   f"{getattr(exc, 'reason', None) or exc}") from None
    try:
        with open(spec, encoding="utf-8") as fh:
            return fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConsistencyError(f"{where}: cannot read {spec}: "
                               f"{getattr(exc, 'strerror', None) or exc}") from None


class Protected:
    """Whether an LFN starts with any of ``prefixes``. As the upstream cleaner did, the
    match is on the string, which protects at least everything below a protected directory
    (``/a/b`` protects ``/a/b/c``, and also ``/a/bc``: when unsure, keep)."""

    def __init__(self, prefixes):
        self.prefixes = tuple(sorted({p.rstrip("/") or "/" for p in prefixes}))

    def __contains__(self, lfn: str) -> bool:
        return lfn.startswith(self.prefixes) if self.prefixes else False

    def __bool__(self) -> bool:
        return bool(self.prefixes)
