"""The xrootd lister against a real local XRootD server: what it lists, and full checks."""
import json

# a child process per run: XrdCl reads its environment (timeouts) once per process
from consistency_core.testing.runner import run_process as consistency
from consistency_core.testing.results import planted
from consistency_core.testing.sites import disk_view, walk
from consistency_core.testing.sites import generate_site as generate
from xrootd_helpers import results, site_config, write_config, xrdfs_view


def test_listing_equals_disk_and_xrdfs(site_tmp, xrootd_server):
    site_dir, dump, _expected = generate(site_tmp, seed=11, n_files=400)
    srv = xrootd_server(site_dir)
    files, dirs, stats, _tree, _l = walk(site_config(srv.url, dump))
    disk_files, disk_dirs = disk_view(site_dir)
    assert files == disk_files
    assert dirs == disk_dirs
    assert sum(stats.errors.values()) == 0 and stats.retries == 0
    xrd_files, xrd_dirs = xrdfs_view(srv)
    assert files == xrd_files
    assert dirs == xrd_dirs


def test_run_reports_exactly_the_planted_findings(site_tmp, xrootd_server):
    site_dir, dump, expected = generate(site_tmp, seed=5, n_files=800)
    srv = xrootd_server(site_dir)
    cfg = write_config(site_tmp / "c.toml", srv.url, dump)
    out = site_tmp / "out"
    proc = consistency("run", "--config", cfg, "--site", "T2_XRD", "--output", out)
    assert proc.returncode == 0, proc.stderr
    assert results(out) == planted(expected)
    summary = json.loads((out / "T2_XRD_summary.json").read_text())
    assert summary["status"] == "completed" and summary["gates"]["passed"]
    assert summary["errors"] == {} and summary["listing"]["files"] == expected.n_remote


def test_path_prefix_maps_lfns_below_it(site_tmp, xrootd_server):
    """root://host:port/cms: the LFN /store/x is the server path /cms/store/x."""
    site_dir, dump, expected = generate(site_tmp / "gen", seed=9, n_files=200)
    served = site_tmp / "served"
    served.mkdir()
    site_dir.rename(served / "cms")
    srv = xrootd_server(served)
    cfg = write_config(site_tmp / "c.toml", srv.url + "/cms", dump)
    out = site_tmp / "out"
    proc = consistency("run", "--config", cfg, "--site", "T2_XRD", "--output", out)
    assert proc.returncode == 0, proc.stderr
    assert results(out) == planted(expected)


def test_list_command_writes_the_site_as_a_dump(site_tmp, xrootd_server):
    site_dir, dump, _expected = generate(site_tmp, seed=3, n_files=200)
    srv = xrootd_server(site_dir)
    cfg = write_config(site_tmp / "c.toml", srv.url, dump)
    listing = site_tmp / "listing.txt"
    proc = consistency("list", "--config", cfg, "--site", "T2_XRD", "--output", listing)
    assert proc.returncode == 0, proc.stderr
    rows = {}
    for line in listing.read_text().splitlines():
        if line and not line.startswith("#"):
            lfn, size, mtime = line.split()
            rows[lfn] = (int(size), int(float(mtime)))
    assert rows == disk_view(site_dir)[0]


def test_lister_flag_and_url_flag_override_the_config(site_tmp, xrootd_server):
    site_dir, dump, expected = generate(site_tmp, seed=4, n_files=200)
    srv = xrootd_server(site_dir)
    cfg = write_config(site_tmp / "c.toml", "root://127.0.0.1:1/", dump, lister="posix")
    out = site_tmp / "out"
    proc = consistency("run", "--config", cfg, "--site", "T2_XRD", "--output", out,
                       "--lister", "xrootd", "--url", srv.url)
    assert proc.returncode == 0, proc.stderr
    assert results(out) == planted(expected)


def test_run_of_chosen_directories_only(site_tmp, xrootd_server):
    site_dir, dump, expected = generate(site_tmp, seed=6, n_files=800)
    srv = xrootd_server(site_dir)
    cfg = write_config(site_tmp / "c.toml", srv.url, dump, directories=["mc"])
    out = site_tmp / "out"
    proc = consistency("run", "--config", cfg, "--site", "T2_XRD", "--output", out)
    assert proc.returncode == 0, proc.stderr
    want = {k: [p for p in v if p.startswith("/store/mc/")] for k, v in planted(expected).items()}
    assert results(out) == want
    assert want["missing"] and want["orphan"]
