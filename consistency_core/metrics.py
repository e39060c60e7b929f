"""A run's figures for Prometheus, through ``prometheus_client``.

``consistency run --metrics FILE`` writes them in the text exposition format for
node_exporter's textfile collector, atomically (a scrape never reads half a file). The file
holds every site that wrote to it: a run replaces its own site's series and keeps the
others', so one file serves a fleet run nightly with ``--pick`` (one series per site).
``metrics_push_url`` also pushes the run's figures to a Pushgateway, grouped by
``job="consistency", site=SITE``, so each site's push replaces only that site's group.

The metric names are those of the hand-written exposition this replaces.
"""
from __future__ import annotations

import logging

from prometheus_client import CollectorRegistry, generate_latest, push_to_gateway
from prometheus_client.metrics_core import GaugeMetricFamily
from prometheus_client.parser import text_string_to_metric_families

from .finding_classes import CLASSES
from .model import ConsistencyError
from .output import atomic_writer
from .run_status import RunStatus

log = logging.getLogger(__name__)
JOB = "consistency"


class _Figures:
    """Gauge families keyed by name, in the order first added; samples labelled by site."""

    def __init__(self):
        self.families: dict[str, GaugeMetricFamily] = {}

    def add(self, name: str, help_: str, value, **labels) -> None:
        family = self.families.get(name)
        if family is None:
            family = self.families[name] = GaugeMetricFamily(
                name, help_, labels=list(labels))
        family.add_metric([str(labels[k]) for k in family._labelnames], float(value))

    def collect(self):
        return list(self.families.values())

    def registry(self) -> CollectorRegistry:
        registry = CollectorRegistry(auto_describe=False)
        registry.register(self)
        return registry


def figures(result, status: RunStatus) -> _Figures:
    site = result.site
    c = result.counts()
    w = result.walk
    f = _Figures()
    for s in RunStatus:
        f.add("consistency_run_status", "1 for the status the last run ended with",
              int(s == status), site=site, status=s.value)
    f.add("consistency_run_start_timestamp_seconds", "When the last run started",
          result.started, site=site)
    f.add("consistency_run_end_timestamp_seconds", "When the last run ended",
          result.finished, site=site)
    for phase, seconds in sorted(result.timings.items()):
        f.add("consistency_phase_duration_seconds", "Seconds spent in each phase of the last run",
              seconds, site=site, phase=phase)
    f.add("consistency_listed_directories", "Directories listed", w.dirs, site=site)
    f.add("consistency_listed_files", "Files listed", w.files, site=site)
    f.add("consistency_listed_bytes", "Bytes in the files listed", w.bytes, site=site)
    f.add("consistency_inventory_files", "Files the inventory places at the site",
          result.inventory_files, site=site)
    f.add("consistency_inventory_bytes", "Bytes the inventory places at the site",
          result.inventory_bytes, site=site)
    for cls in CLASSES:
        f.add("consistency_findings", "Findings of the last run, by class", c[cls.name],
              site=site, **{"class": cls.name})
    for cls in CLASSES:
        if cls.sized:
            f.add("consistency_findings_bytes", "Bytes in the findings of the last run, by class",
                  c[f"{cls.name}_bytes"], site=site, **{"class": cls.name})
    for cls, rows in sorted(result.confirmed.items()):
        f.add("consistency_confirmed_findings", "Findings confirmed over runs (what acting uses)",
              len(rows), site=site, **{"class": cls})
    f.add("consistency_changed_during_check", "Inventory entries that changed during the listing",
          len(result.changed), site=site)
    f.add("consistency_orphan_protected", "Orphan candidates the inventory still protects",
          c["orphan_protected"], site=site)
    for kind, n in sorted(w.errors.items()):
        f.add("consistency_listing_errors", "Directories left unlisted after retries, by kind",
              n, site=site, kind=kind)
    f.add("consistency_listing_retries", "Listing attempts retried", w.retries, site=site)
    f.add("consistency_gates_passed", "1 when every safety gate passed", result.gates.passed,
          site=site)
    f.add("consistency_site_acting", "1 when the site is set to act, 0 when dry",
          getattr(result, "mode", "dry") == "act", site=site)
    return f


def failed_figures(site: str, started: float, finished: float) -> _Figures:
    """The figures of a run that failed before it had a result."""
    f = _Figures()
    for s in RunStatus:
        f.add("consistency_run_status", "1 for the status the last run ended with",
              int(s is RunStatus.FAILED), site=site, status=s.value)
    f.add("consistency_run_start_timestamp_seconds", "When the last run started", started,
          site=site)
    f.add("consistency_run_end_timestamp_seconds", "When the last run ended", finished, site=site)
    return f


def render(result, status: RunStatus) -> str:
    return generate_latest(figures(result, status).registry()).decode()


def write(path: str, result, status: RunStatus, push_url: str = "") -> None:
    _publish(path, result.site, figures(result, status), push_url)


def write_failed(path: str, site: str, started: float, finished: float,
                 push_url: str = "") -> None:
    _publish(path, site, failed_figures(site, started, finished), push_url)


def _publish(path: str | None, site: str, fig: _Figures, push_url: str) -> None:
    if path:
        merged = _Figures()
        for family in _others(path, site):
            for sample in family.samples:
                merged.add(family.name, family.documentation, sample.value, **sample.labels)
        for family in fig.collect():
            for sample in family.samples:
                merged.add(family.name, family.documentation, sample.value, **sample.labels)
        text = generate_latest(merged.registry()).decode()
        with atomic_writer(path) as fh:
            fh.write(text)
    if push_url:
        try:
            push(push_url, site, fig)
        except ConsistencyError as exc:  # the run is recorded; a down gateway must not undo it
            log.error("%s", exc)


def _others(path: str, site: str):
    """The families of an existing metrics file with the other sites' samples only."""
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise ConsistencyError(f"{path}: cannot read the metrics file: "
                               f"{exc.strerror or exc}") from None
    try:
        families = list(text_string_to_metric_families(text))
    except ValueError as exc:
        raise ConsistencyError(f"{path}: not a Prometheus text file ({exc}); "
                               "move it away or name another --metrics file") from None
    for family in families:
        family.samples = [s for s in family.samples if s.labels.get("site") != site]
    return [fam for fam in families if fam.samples and fam.name.startswith("consistency_")]


def push(url: str, site: str, fig: _Figures) -> None:
    """Replace this site's group on the Pushgateway at ``url``."""
    try:
        push_to_gateway(url, job=JOB, registry=fig.registry(), grouping_key={"site": site},
                        timeout=30)
    except OSError as exc:
        raise ConsistencyError(f"metrics_push_url {url}: cannot push: "
                               f"{' '.join(str(exc).split())}") from None


