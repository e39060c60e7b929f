"""Faults caused for real on root://: a directory whose listing never comes, a hung server, and
gfal2's silent empty listing (its xrootd plugin stops waiting after 60 s and returns nothing,
with no error). None of them may produce a false finding."""
from __future__ import annotations

import os
import time

# a child process per run: XrdCl reads its environment (timeouts) once per process
from consistency_core.testing.runner import run_process as consistency
from consistency_core.testing.sites import generate_site as generate
from gfal_helpers import SITE, block_dir_with_missing, planted, results, summary, write_config


def clean_env(**extra) -> dict:
    """The test process's environment without XRD_REQUESTTIMEOUT (the lister sets it)."""
    env = {k: v for k, v in os.environ.items() if k != "XRD_REQUESTTIMEOUT"}
    return {**env, **extra}


def run(cfg, out, env, timeout=180):
    started = time.monotonic()
    proc = consistency("run", "--site", SITE, "--config", cfg, "--output", out, env=env,
                       timeout=timeout)
    return proc, time.monotonic() - started


def test_directory_never_answered_is_unlisted_on_time(tmp_path, xrootd_server, slow_proxy, seed):
    site_dir, dump, expected = generate(tmp_path, seed=seed)
    srv = xrootd_server(site_dir)
    stuck = block_dir_with_missing(expected, site_dir)
    proxy = slow_proxy(srv, delay=30, match=stuck)
    cfg = write_config(tmp_path / "c.toml", proxy.url, dump, root=expected.root, timeout=2,
                       retries=1)
    out = tmp_path / "out"
    proc, took = run(cfg, out, clean_env())
    assert proc.returncode == 0, (seed, proc.stderr)
    assert results(out) == planted(expected, below=stuck), f"seed {seed}"
    assert summary(out)["errors"] == {"timeout": 1}
    assert took < 15  # two attempts of 2 s, not XrdCl's default 1800 s


def test_slow_directory_within_the_timeout_is_listed_in_full(tmp_path, xrootd_server,
                                                           slow_proxy, seed):
    site_dir, dump, expected = generate(tmp_path, seed=seed)
    srv = xrootd_server(site_dir)
    slow = block_dir_with_missing(expected, site_dir)
    proxy = slow_proxy(srv, delay=2, match=slow)
    cfg = write_config(tmp_path / "c.toml", proxy.url, dump, root=expected.root, timeout=5,
                       retries=0)
    out = tmp_path / "out"
    proc, took = run(cfg, out, clean_env())
    assert proc.returncode == 0, (seed, proc.stderr)
    assert results(out) == planted(expected), f"seed {seed}"
    assert summary(out)["errors"] == {}
    # after 1 s it was asked a second time (gfal2's lost wake-up guard); the first answer won
    assert "slower than 1 s were tried a second time" in proc.stderr


def test_hung_server_fails_the_check_on_time(tmp_path, xrootd_server):
    site_dir, dump, expected = generate(tmp_path, seed=3, n_files=50)
    srv = xrootd_server(site_dir)
    cfg = write_config(tmp_path / "c.toml", srv.url, dump, root=expected.root, timeout=2)
    out = tmp_path / "out"
    srv.pause()
    try:
        proc, took = run(cfg, out, clean_env(), timeout=60)
    finally:
        srv.resume()
    assert proc.returncode == 1, proc.stderr
    assert "timeout" in proc.stderr and f"sites.{SITE}" in proc.stderr
    assert took < 10 and not out.exists()


def test_silent_empty_listing_gives_no_false_missing(tmp_path, xrootd_server, slow_proxy, seed):
    """An operator's XRD_REQUESTTIMEOUT above gfal2's 60 s wait lets the silent empty listing
    through gfal2: the lister does not believe it, the directory ends unlisted."""
    site_dir, dump, expected = generate(tmp_path, seed=seed)
    srv = xrootd_server(site_dir)
    slow = block_dir_with_missing(expected, site_dir)
    proxy = slow_proxy(srv, delay=65, match=slow)
    cfg = write_config(tmp_path / "c.toml", proxy.url, dump, root=expected.root, timeout=100,
                       retries=0)
    out = tmp_path / "out"
    proc, took = run(cfg, out, clean_env(XRD_REQUESTTIMEOUT="120"))
    assert proc.returncode == 0, (seed, proc.stderr)
    assert "come back empty from gfal2" in proc.stderr  # the operator is warned
    assert f"{slow}: empty listing after 60s" in proc.stderr  # gfal2 did return it empty
    assert results(out) == planted(expected, below=slow), f"seed {seed}"
    info = summary(out)
    assert info["errors"] == {"timeout": 1}
    assert 55 < took < 100
