"""One run of one site with every guarantee of operations: :func:`run_site`.

``consistency run`` and any program embedding the check (Dynamo) call the same function.
It owns a run's phases, in order, each making a new frozen result from the last:

1. lock and state: the site's lock (and lister slot); a halted or disabled site does not
   run, a site set dry does not act;
2. check: :func:`consistency_core.check.check_site` (a check that cannot complete without
   a result is recorded as one ``failed`` run);
3. confirm: confirmation over runs and the delta against a comparable earlier run;
4. write: the result lists, into a new result set not yet visible (:mod:`.output`);
5. reporters: acting reporters only with ``act``, passing gates, and confirmed findings;
6. record: one history row per run, whatever happened in 5;
7. summary and metrics: ``SITE_summary.json`` (with the run id), the set published at
   once, and the metrics file.

A reporter that fails leaves the run recorded as ``reporter_failed`` with the check's
findings, and :class:`ReporterFailed` (exit status 1) names the reporter. A reporter that
stops at a transaction boundary on a signal (``ReportContext.stop``, raising
:class:`~.result.ReporterStopped`) leaves the run recorded ``interrupted`` with what it wrote.
"""
from __future__ import annotations

import contextlib
import logging
import threading
import time

import attrs

from . import confirm, locks as locks_mod, metrics as metrics_mod, output, retention, schedule
from .site_log import site_log
from .check import check_site, make_backend
from .config import Config, SiteConfig, load as load_config
from .history import History, HistoryError
from .model import ConsistencyError
from .progress import Progress
from .result import CheckResult, ReportContext, ReporterStopped, scope_of
from .run_status import RunStatus

log = logging.getLogger("consistency.run")


class ReporterFailed(ConsistencyError):
    """A reporter raised; the run is recorded (``reporter_failed``) and ``result`` holds it."""

    exit_code = 1

    def __init__(self, message: str, result: CheckResult):
        super().__init__(message)
        self.result = result


def run_site(site_or_name: SiteConfig | str, *, config: Config | str | None = None,
             act: bool = False, lister=None, inventory=None, reporters: dict | None = None,
             stop: threading.Event | None = None, progress: Progress | None = None,
             overrides: dict | None = None, metrics: str | None = None,
             held: locks_mod.SiteLocks | None = None) -> CheckResult:
    """Run one check of a site as operations do, and return its result.

    ``site_or_name``: a SiteConfig, or a site name looked up in ``config`` (a Config or a
    config file path; default ``./consistency.toml``) with ``overrides`` applied.
    ``lister``, ``inventory`` and ``reporters`` (name -> object) may be ready objects, for
    example built on a database connection the caller holds; by default they are made
    from the site config. ``act``: let acting reporters act (only if the site is not set
    dry, the gates pass, and on confirmed findings). ``stop``: set it to stop the walk
    cleanly. ``metrics``: write the run's figures to this file. ``held``: the site's
    locks, already taken (``--pick`` takes them while choosing).

    Raises ConsistencyError when the site is locked, halted or disabled, when the check
    cannot complete without a result (recorded as ``failed``), and ReporterFailed (after
    recording) when a reporter fails.
    """
    site = _site(site_or_name, config, overrides)
    stop = stop or threading.Event()
    with contextlib.ExitStack() as stack:
        if held is not None:
            stack.enter_context(held)  # released whatever happens next
        # the history first: a broken database stops us before the lock
        history = stack.enter_context(schedule.Histories()).get(site)
        if held is None:
            held = locks_mod.SiteLocks(site)
            why = held.acquire()
            if why:
                raise ConsistencyError(why)
            stack.enter_context(held)
        stack.enter_context(site_log(site))  # rotated only by a run that holds the lock
        return _run(site, history, act=act, lister=lister, inventory=inventory,
                    reporters=reporters, stop=stop, progress=progress, metrics=metrics)


def _site(site_or_name, config, overrides) -> SiteConfig:
    if isinstance(site_or_name, SiteConfig):
        if overrides:
            raise ValueError("overrides apply to a site given by name")
        return site_or_name
    cfg = config if isinstance(config, Config) else load_config(config)
    return cfg.site(site_or_name, overrides)


def _run(site: SiteConfig, history: History, *, act, lister, inventory, reporters, stop,
         progress, metrics) -> CheckResult:
    acting = _acting(site, history, act)
    mode = history.state(site.name)[1]
    started = time.time()
    with contextlib.ExitStack() as closing:
        if reporters is None:
            reporters = {name: make_backend("reporter", name, site) for name in site.reporters}
            for obj in reporters.values():
                if hasattr(obj, "close"):
                    closing.callback(obj.close)
        with schedule.HaltWatcher(site, stop) as watcher:
            result = _check(site, history, started, metrics, stop=stop,
                            progress=progress or Progress(site.name), lister=lister,
                            inventory=inventory)
            if watcher.halted:
                result = attrs.evolve(result, stopped_by=f"the site was set {watcher.halted}")
            review = confirm.review(site, result, history)
            result = attrs.evolve(result, confirmed=review.confirmed, delta=review.delta,
                                  delta_against=review.previous, acting=acting, mode=mode,
                                  backends={**result.backends, "reporters": list(reporters)})
            results = _write(site, history, result, metrics)
            result = attrs.evolve(result, output_files=output.result_paths(site.output, site.name))
            result, acted = _report(result, reporters, stop,
                                    ReportContext(output=results.directory, act=acting,
                                                  gates=result.gates, stop=stop))
    try:
        result = attrs.evolve(result, run_id=history.record(result, acted=acted))
    finally:  # the summary vouches for the lists, recorded or not; then the set is published
        _publish(results, result)
    retention.after_run(history, site)
    if metrics or site.metrics_push_url:
        metrics_mod.write(metrics, result, result.run_status, site.metrics_push_url)
    name = result.failed_reporter
    if name:
        raise ReporterFailed(f"{site.name}: reporter {name} {result.reporters[name]} "
                             f"(run {result.run_id} recorded as {RunStatus.REPORTER_FAILED}, "
                             "findings kept)", result)
    return result


def _acting(site, history: History, act: bool) -> bool:
    """Whether acting reporters may act; a halted or disabled site does not run at all."""
    state, mode = history.state(site.name)
    if state != "ready":
        raise ConsistencyError(f"site {site.name} is {state} "
                               f"(consistency status set {site.name} ready)")
    if act and mode != "act":
        log.warning("%s is set dry: --act ignored, nothing will act", site.name)
    return act and mode == "act"


def _check(site, history: History, started: float, metrics, **kw) -> CheckResult:
    try:
        return check_site(site, **kw)
    except HistoryError:
        raise  # the history itself is what failed: nothing more to record there
    except ConsistencyError as exc:
        _failed(site, history, started, str(exc), metrics)
        raise


def _write(site, history: History, result: CheckResult, metrics) -> output.ResultSet:
    """The result lists, in a new set not yet visible; a run whose findings cannot be
    written is a failed run, and the previous set stays current."""
    results = None
    try:
        results = output.ResultSet(site.output, site.name, result.started)
        results.write_lists(result)
        return results
    except ConsistencyError as exc:
        if results is not None:
            results.discard()
        _failed(site, history, result.started, f"cannot write the results: {exc}", metrics)
        raise


def _publish(results: output.ResultSet, result: CheckResult) -> None:
    """The summary, then the whole set becomes current at once."""
    try:
        results.write_summary(result)
    except BaseException:
        results.discard()
        raise
    results.publish()


def _failed(site, history: History, started: float, why: str, metrics) -> None:
    """Record a run that ended without a usable result: one ``failed`` row."""
    finished = time.time()
    try:
        history.record_failed(site.name, started, finished, why, scope_of(site))
    except ConsistencyError as again:
        log.error("cannot record the failed run: %s", again)
    if metrics or site.metrics_push_url:
        try:
            metrics_mod.write_failed(metrics, site.name, started, finished,
                                     site.metrics_push_url)
        except ConsistencyError as again:
            log.error("cannot write metrics: %s", again)


def _report(result: CheckResult, reporters: dict, stop: threading.Event,
            context: ReportContext) -> tuple[CheckResult, bool]:
    """Call each reporter in turn; stop at the first that fails. Returns the result with
    what happened to each reporter, and whether an acting reporter ran."""
    outcome: dict[str, str] = {}
    acted = False
    for name, reporter in reporters.items():
        acts = getattr(reporter, "acts", False)
        given = result
        if acts:
            why = _why_not_act(result, context, stop)
            if why:
                outcome[name] = f"skipped: {why}"
                continue
            given = result.acting_view()
        try:
            reporter.report(given, context)
        except ReporterStopped as exc:  # at a transaction boundary: what was written is said
            said = " ".join(str(exc).split())
            outcome[name] = f"stopped: {said}"
            acted = acted or acts
            result = attrs.evolve(result, status=RunStatus.INTERRUPTED,
                                  stopped_by=f"a signal while reporter {name} acted ({said})")
            break
        except Exception as exc:  # any reporter bug: recorded, named, exit 1
            log.debug("reporter %s failed", name, exc_info=True)
            outcome[name] = f"failed: {' '.join(str(exc).split()) or type(exc).__name__}"
            break
        outcome[name] = "ran"
        acted = acted or acts
    return attrs.evolve(result, reporters=outcome), acted


def _why_not_act(result: CheckResult, context: ReportContext, stop) -> str:
    if not context.act:
        return "acting needs --act"
    if not result.gates.passed:
        return "safety gates: " + "; ".join(result.gates.reasons)
    if stop.is_set():
        return "the run was stopped"
    return ""
