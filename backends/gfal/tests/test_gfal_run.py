"""Done-when of the gfal backend: ``consistency run --lister gfal`` reports exactly the planted
findings of a freshly generated site over file://, root://, http://, https:// and davs:// URLs
(the last two: XrdHttp with TLS); the legacy SRM
mapping, the config keys and ``consistency list`` through the CLI."""
from __future__ import annotations

import json

import pytest

# a child process per run: XrdCl reads its environment (timeouts) once per process
from consistency_core.testing.runner import run_process as consistency
from consistency_core.testing.sites import disk_view
from consistency_core.testing.sites import generate_site as generate
from gfal_helpers import PROTOCOLS, SITE, planted, results, summary, url_for, write_config


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_run_reports_exactly_the_planted_findings(tmp_path, xrootd_server, protocol, seed):
    site_dir, dump, expected = generate(tmp_path, seed=seed, n_files=1500)
    srv = xrootd_server(site_dir)
    cfg = write_config(tmp_path / "consistency.toml", "file:///nowhere", dump, root=expected.root,
                       lister="posix")  # the command line picks the lister and URL
    out = tmp_path / "out"
    proc = consistency("run", "--site", SITE, "--config", cfg, "--lister", "gfal",
                       "--url", url_for(protocol, srv, site_dir), "--output", out)
    assert proc.returncode == 0, (seed, proc.stdout, proc.stderr)
    assert results(out) == planted(expected), f"seed {seed}"
    info = summary(out)
    assert info["backends"]["lister"] == "gfal"
    assert info["listing"]["files"] == expected.n_remote and info["errors"] == {}


@pytest.mark.parametrize("scheme", ["davs", "https"])
def test_run_over_tls_reports_exactly_the_planted_findings(tmp_path, tls_xrootd_server, scheme,
                                                           seed):
    """davs:// and https:// against XrdHttp with TLS; the self-signed certificate is accepted
    only through the site's gfal_options, and without them check() says why in one line."""
    site_dir, dump, expected = generate(tmp_path, seed=seed, n_files=800)
    url = tls_xrootd_server(site_dir).https_url(scheme)
    out = tmp_path / "out"
    cfg = write_config(tmp_path / "c.toml", url, dump, root=expected.root)
    proc = consistency("run", "--site", SITE, "--config", cfg, "--output", out)
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1, proc.stderr
    assert f"sites.{SITE}: cannot reach {url}/store" in proc.stderr and not out.exists()
    assert "certificate" in proc.stderr
    cfg = write_config(tmp_path / "c.toml", url, dump, root=expected.root,
                       gfal_options=["HTTP PLUGIN:INSECURE=true"])
    proc = consistency("run", "--site", SITE, "--config", cfg, "--output", out)
    assert proc.returncode == 0, (seed, proc.stderr)
    assert results(out) == planted(expected), f"seed {seed}"


def test_legacy_srm_site_is_listed_by_gfal(tmp_path, xrootd_server, seed):
    """An upstream ``consistency_config.json`` with ``AccessMethod = SRM`` and the site's
    backend URL (here the XrdHttp endpoint standing in for an SRM door)."""
    site_dir, dump, expected = generate(tmp_path, seed=seed, n_files=400)
    srv = xrootd_server(site_dir)
    legacy = {"RootPath": expected.root, "IgnoreDirectories": list(expected.ignore),
              "NumThreads": 4, "Timeout": 5, "Retries": 1,
              "AccessMethod": {SITE: "SRM"}, "Redirectors": {SITE: srv.http_url + "/"}}
    cfg = tmp_path / "consistency_config.json"
    cfg.write_text(json.dumps(legacy))
    out = tmp_path / "out"
    proc = consistency("run", "--site", SITE, "--config", cfg, "--inventory", "dump",
                       "--inventory-url", dump, "--output", out)
    assert proc.returncode == 0, (seed, proc.stdout, proc.stderr)
    assert summary(out)["backends"]["lister"] == "gfal"
    assert results(out) == planted(expected), f"seed {seed}"


def test_config_check_knows_the_gfal_keys(tmp_path):
    cfg = write_config(tmp_path / "c.toml", "https://se.example.org:8443/cms", "inv.txt",
                       gfal_context_renew=50, gfal_options=["HTTP PLUGIN:INSECURE=true"],
                       gfal_x509_proxy="/tmp/x509up_u0")
    proc = consistency("config", "check", "--config", cfg)
    assert proc.returncode == 0, proc.stderr
    cfg.write_text(cfg.read_text() + "gfal_contxt_renew = 5\n")
    proc = consistency("config", "check", "--config", cfg)
    assert proc.returncode == 2 and "gfal_contxt_renew" in proc.stderr


def test_bad_url_is_a_usage_error_before_any_output(tmp_path):
    site_dir, dump, expected = generate(tmp_path, seed=1, n_files=50)
    cfg = write_config(tmp_path / "c.toml", "ftp://se.example.org/cms", dump, root=expected.root)
    out = tmp_path / "out"
    proc = consistency("run", "--site", SITE, "--config", cfg, "--output", out)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().count("\n") == 0 and f"sites.{SITE}.url" in proc.stderr
    assert not out.exists()


def test_list_writes_the_tree_as_a_dump(tmp_path, xrootd_server, seed):
    site_dir, dump, expected = generate(tmp_path, seed=seed, n_files=300)
    srv = xrootd_server(site_dir)
    cfg = write_config(tmp_path / "c.toml", srv.http_url, dump, root=expected.root)
    out = tmp_path / "listing.txt"
    proc = consistency("list", "--site", SITE, "--config", cfg, "--output", out)
    assert proc.returncode == 0, proc.stderr
    listed = {}
    for line in out.read_text().splitlines():
        if line and not line.startswith("#"):
            lfn, size, mtime = line.split()
            listed[lfn] = (int(size), int(float(mtime)))
    assert listed == disk_view(site_dir, expected.root)[0]
