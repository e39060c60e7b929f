"""The site-config keys of the Dynamo backend, read and checked once."""
from __future__ import annotations

import importlib
from typing import Callable

import attrs

from consistency_core import ConfigError
from consistency_core.api import NUMBER, key

from .lfn import cms_dataset

QUEUES = ("subscriptions", "registry")

@attrs.frozen
class DynamoOptions:
    """The Dynamo inventory's and reporter's site-config keys (type, default, range, help)."""

    dynamo_url: str = key("", "Dynamo database mysql://user@host:port/db (default: "
                          "inventory_url); never with a password")
    dynamo_mycnf: str = key("", "my.cnf file with the database connection (and password)")
    dynamo_mycnf_group: str = key("client", "group of dynamo_mycnf to read")
    dynamo_password_env: str = key("DYNAMO_DB_PASSWORD",
                                   "environment variable holding the database password")
    dynamo_site: str = key(None, "the site's name in Dynamo's sites table (default: the site "
                           "name)")
    dynamo_protect_dataset_replicas: bool = key(
        True, "an orphan whose dataset has a replica at the site is not reported", type=bool)
    dynamo_protect_ignored: bool = key(
        True, "an orphan whose dataset has status IGNORED is not reported", type=bool)
    dynamo_protect_subscriptions: bool = key(
        True, "an orphan with a transfer to the site in flight is not reported", type=bool)
    dynamo_dataset_from_lfn: str = key("", "module:function deriving an orphan's dataset from "
                                       "its LFN (default: the CMS convention)")
    dynamo_queue: str = key("subscriptions", "where repairs are queued: subscriptions "
                            "(file_subscriptions) or registry (deletion_queue/transfer_queue)",
                            choices=QUEUES)
    dynamo_batch_size: int = key(500, "rows written per transaction", type=int, at_least=1)
    dynamo_reconnect_seconds: float = key(
        60.0, "how long a lost database connection is retried before the run fails",
        type=NUMBER, at_least=0)


@attrs.frozen
class Settings:
    url: str
    url_key: str
    mycnf: str
    mycnf_group: str
    password_env: str
    dynamo_site: str
    protect_dataset_replicas: bool
    protect_ignored: bool
    protect_subscriptions: bool
    dataset_from_lfn: Callable[[str], str | None]
    queue: str
    batch_size: int
    reconnect_seconds: float
    where: str  # "FILE: sites.NAME", for error messages

    @classmethod
    def from_site(cls, site) -> "Settings":
        where = f"{site.source or '(command line)'}: sites.{site.name}"
        opts = site.settings(DynamoOptions)
        url = opts.dynamo_url or (site.inventory_url if site.inventory == "dynamo" else "")
        return cls(
            url=url, url_key="dynamo_url" if opts.dynamo_url else "inventory_url",
            mycnf=opts.dynamo_mycnf, mycnf_group=opts.dynamo_mycnf_group,
            password_env=opts.dynamo_password_env,
            dynamo_site=opts.dynamo_site or site.name,
            protect_dataset_replicas=opts.dynamo_protect_dataset_replicas,
            protect_ignored=opts.dynamo_protect_ignored,
            protect_subscriptions=opts.dynamo_protect_subscriptions,
            dataset_from_lfn=load_callable(opts.dynamo_dataset_from_lfn,
                                           f"{where}.dynamo_dataset_from_lfn"),
            queue=opts.dynamo_queue, batch_size=opts.dynamo_batch_size,
            reconnect_seconds=float(opts.dynamo_reconnect_seconds), where=where)


def load_callable(spec: str, where: str) -> Callable[[str], str | None]:
    """``module:function`` -> the function; empty -> the CMS convention."""
    if not spec:
        return cms_dataset
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise ConfigError(f"{where}: expected module:function, got {spec!r}")
    try:
        func = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"{where}: cannot load {spec!r}: {exc}") from None
    if not callable(func):
        raise ConfigError(f"{where}: {spec!r} is not callable")
    return func
