"""The site-config keys of the Dynamo backend, read and checked once."""
from __future__ import annotations

import importlib
from typing import Callable

import attrs

from consistency_core import ConfigError

from .lfn import cms_dataset

QUEUES = ("subscriptions", "registry")

# key: (type, help) as the core's register(..., options=) wants them
OPTIONS = {
    "dynamo_url": (str, "Dynamo database mysql://user@host:port/db (default: inventory_url); "
                        "never with a password"),
    "dynamo_mycnf": (str, "my.cnf file with the database connection (and password)"),
    "dynamo_mycnf_group": (str, "group of dynamo_mycnf to read (default: client)"),
    "dynamo_password_env": (str, "environment variable holding the database password "
                                 "(default: DYNAMO_DB_PASSWORD)"),
    "dynamo_site": (str, "the site's name in Dynamo's sites table (default: the site name)"),
    "dynamo_protect_dataset_replicas": (bool, "an orphan whose dataset has a replica at the site "
                                              "is not reported (default: true)"),
    "dynamo_protect_ignored": (bool, "an orphan whose dataset has status IGNORED is not "
                                     "reported (default: true)"),
    "dynamo_protect_subscriptions": (bool, "an orphan with a transfer to the site in flight is "
                                           "not reported (default: true)"),
    "dynamo_dataset_from_lfn": (str, "module:function deriving an orphan's dataset from its LFN "
                                     "(default: the CMS convention)"),
    "dynamo_queue": (str, "where repairs are queued: subscriptions (file_subscriptions) or "
                          "registry (deletion_queue/transfer_queue); default subscriptions"),
    "dynamo_batch_size": (int, "rows written per transaction (default: 500)"),
    "dynamo_reconnect_seconds": ((int, float), "how long a lost database connection is retried "
                                               "before the run fails (default: 60)"),
}


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
        opt = site.option
        queue = opt("dynamo_queue", "subscriptions")
        if queue not in QUEUES:
            raise ConfigError(f"{where}.dynamo_queue: expected one of {', '.join(QUEUES)}, "
                              f"got {queue!r}")
        batch = opt("dynamo_batch_size", 500)
        if batch < 1:
            raise ConfigError(f"{where}.dynamo_batch_size: must be at least 1, got {batch!r}")
        reconnect = float(opt("dynamo_reconnect_seconds", 60.0))
        if reconnect < 0:
            raise ConfigError(f"{where}.dynamo_reconnect_seconds: must not be negative")
        url = opt("dynamo_url") or (site.inventory_url if site.inventory == "dynamo" else "")
        return cls(
            url=url, url_key="dynamo_url" if opt("dynamo_url") else "inventory_url",
            mycnf=opt("dynamo_mycnf", ""), mycnf_group=opt("dynamo_mycnf_group", "client"),
            password_env=opt("dynamo_password_env", "DYNAMO_DB_PASSWORD"),
            dynamo_site=opt("dynamo_site", site.name),
            protect_dataset_replicas=opt("dynamo_protect_dataset_replicas", True),
            protect_ignored=opt("dynamo_protect_ignored", True),
            protect_subscriptions=opt("dynamo_protect_subscriptions", True),
            dataset_from_lfn=load_callable(opt("dynamo_dataset_from_lfn", ""),
                                           f"{where}.dynamo_dataset_from_lfn"),
            queue=queue, batch_size=batch, reconnect_seconds=reconnect, where=where)


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
