"""The site-config keys of the gfal lister, and how they become gfal2 context options.

Credentials (an X.509 proxy, a bearer token file) and free-form gfal2 options go through
gfal2's own option and credential API. Their values are never logged nor shown in a repr or
an error message: only the config key and the file path are.
"""
from __future__ import annotations

import math
import os

import attrs

from consistency_core import ConfigError, ConsistencyError
from consistency_core.api import NUMBER, key

DEFAULT_RENEW = 100
DEFAULT_HEDGE_AFTER = 1.0

@attrs.frozen
class GfalOptions:
    """The gfal lister's site-config keys (type, default, range, help)."""

    gfal_x509_proxy: str = key("", "gfal: X.509 proxy file, passed as gfal2's X509:CERT and "
                               "X509:KEY")
    gfal_token_file: str = key("", "gfal: file holding a bearer token, set as gfal2's BEARER "
                               "credential (re-read whenever a context is renewed)")
    gfal_options: tuple[str, ...] = key(
        [], "gfal: extra gfal2 options, each 'GROUP:KEY=VALUE' (e.g. 'HTTP PLUGIN:INSECURE=true')",
        type=list)
    gfal_hedge_after: float = key(
        DEFAULT_HEDGE_AFTER, "gfal: seconds after which a root:// listing is tried a second "
        "time, first answer wins (0: never)", type=NUMBER, at_least=0)
    gfal_context_renew: int = key(
        DEFAULT_RENEW, "gfal: directories listed by one gfal2 context before it is replaced "
        "(a long-lived http context gets slower with every URL)", type=int, at_least=1)


@attrs.frozen
class GfalSettings:
    where: str
    x509_proxy: str = ""
    token_file: str = ""
    extra: tuple[tuple[str, str, str], ...] = attrs.field(default=(), repr=False)
    renew_every: int = DEFAULT_RENEW
    hedge_after: float = DEFAULT_HEDGE_AFTER

    @classmethod
    def from_site(cls, site) -> "GfalSettings":
        where = f"{site.source}: sites.{site.name}"
        opts = site.settings(GfalOptions)
        extra = tuple(_parse_option(text, where) for text in opts.gfal_options)
        return cls(where=where, x509_proxy=opts.gfal_x509_proxy,
                   token_file=opts.gfal_token_file, extra=extra,
                   renew_every=opts.gfal_context_renew, hedge_after=float(opts.gfal_hedge_after))

    def check_files(self) -> None:
        """The credential files exist and are readable (before anything is listed)."""
        for key, path in (("gfal_x509_proxy", self.x509_proxy),
                          ("gfal_token_file", self.token_file)):
            if path and not os.access(path, os.R_OK):
                raise ConsistencyError(f"{self.where}.{key}: cannot read {path!r}")

    def configure(self, ctx, base_url: str, timeout: float) -> None:
        """Apply timeouts, options and credentials to a fresh gfal2 context."""
        seconds = max(1, math.ceil(timeout)) if timeout else 0
        if seconds:
            ctx.set_opt_integer("CORE", "NAMESPACE_TIMEOUT", seconds)
            for group in ("SRM PLUGIN", "GRIDFTP PLUGIN"):
                ctx.set_opt_integer(group, "OPERATION_TIMEOUT", seconds)
        # gfal2 would ask an https endpoint for an SE-issued token for every new context: an
        # extra request (and a warning when there is none) that a listing does not need
        ctx.set_opt_boolean("HTTP PLUGIN", "RETRIEVE_BEARER_TOKEN", False)
        for group, key, value in self.extra:
            ctx.set_opt_string(group, key, value)
        if self.x509_proxy:
            ctx.set_opt_string("X509", "CERT", self.x509_proxy)
            ctx.set_opt_string("X509", "KEY", self.x509_proxy)
        if self.token_file:
            ctx.cred_set(base_url, _gfal2().cred_new("BEARER", self._token()))

    def _token(self) -> str:
        try:
            with open(self.token_file, encoding="utf-8") as fh:
                token = fh.read().strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise ConsistencyError(f"{self.where}.gfal_token_file: cannot read "
                                   f"{self.token_file!r}: {type(exc).__name__}") from None
        if not token:
            raise ConsistencyError(f"{self.where}.gfal_token_file: {self.token_file!r} is empty")
        return token


def _parse_option(text: str, where: str) -> tuple[str, str, str]:
    group, sep, rest = text.partition(":")
    key, eq, value = rest.partition("=")
    if not (sep and eq and group.strip() and key.strip()):
        # the value may be a secret: name the key only
        shown = f"{group}:{key}" if sep else "an entry"
        raise ConfigError(f"{where}.gfal_options: {shown!s} is not 'GROUP:KEY=VALUE'")
    return group.strip(), key.strip(), value.strip()


def _gfal2():
    import gfal2

    return gfal2
