"""A result set is atomic: readers see the whole previous set or the whole new one at the
familiar paths, a full disk (a real size-limited tmpfs mounted here) leaves the previous set
intact with a one-line error, and a directory of plain files from an older version is
migrated. Real runs of the real command line on a real local site."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess

import pytest

from consistency_core.output import current_paths, result_names

from consistency_core.testing.runner import run_process as cli
from consistency_core.testing.sites import small_site, small_sites_config as write_config

SITE = "T2_E"


@pytest.fixture
def one(tmp_path):
    site = small_site(tmp_path / SITE)
    out = tmp_path / "results"
    config = write_config(tmp_path / "c.toml", {SITE: site}, output=str(out),
                          state_dir=str(tmp_path / "state"), max_missing_fraction=0.9,
                          max_orphan_fraction=0.9, max_orphan=100000)
    return config, site, out


def snapshot(out) -> dict[str, bytes]:
    """Every result file of the site, read at its familiar path."""
    return {name: (out / name).read_bytes() for name in result_names(SITE).values()}


def consistent(files: dict[str, bytes]) -> None:
    """The summary vouches for the lists beside it."""
    summary = json.loads(files[f"{SITE}_summary.json"])
    for cls in ("missing", "orphan", "size_mismatch", "empty_dirs"):
        lines = files[f"{SITE}_{cls}.txt"].decode().splitlines()
        assert len(lines) == summary["counts"][cls], cls


def history(tmp_path) -> list:
    db = sqlite3.connect(tmp_path / "state" / "history.sqlite")
    try:
        return db.execute("SELECT status, message FROM runs ORDER BY id").fetchall()
    finally:
        db.close()


def run(config):
    proc = cli("run", "--site", SITE, "--config", config)
    assert proc.returncode == 0, proc.stderr
    return proc


def test_familiar_paths_are_links_into_one_switched_set(tmp_path, one):
    config, site, out = one
    run(config)
    first = snapshot(out)
    consistent(first)
    for name in first:
        assert os.readlink(out / name) == f".{SITE}.current/{name}"
    held = current_paths(str(out), SITE)  # a reader that resolved the set before the next run
    site.put("/store/data/d01/new_orphan.root", 3)
    run(config)
    second = snapshot(out)
    consistent(second)
    assert second[f"{SITE}_orphan.txt"] != first[f"{SITE}_orphan.txt"]
    # the reader mid-read still has the whole previous set
    assert {os.path.basename(p): open(p, "rb").read() for p in held.values()} == first
    run(config)
    runs = os.listdir(out / f".{SITE}.runs")
    assert len(runs) == 2  # the current set and the previous one; older ones are gone
    assert not os.path.exists(held["summary"])
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == sorted(first)


def test_full_disk_keeps_the_previous_set_and_records_the_run(tmp_path, one):
    config, site, _out = one
    out = tmp_path / "small"
    out.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(out)], check=True)
    try:
        run_full_disk(tmp_path, config, site, out)
    finally:
        subprocess.run(["umount", "-l", str(out)], check=True)


def run_full_disk(tmp_path, config, site, out):
    first = cli("run", "--site", SITE, "--config", config, "--output", out)
    assert first.returncode == 0, first.stderr
    before = snapshot(out)
    consistent(before)
    for i in range(3000):  # orphans whose list cannot fit in what is left of the disk
        site.put(f"/store/data/d02/{'o' * 150}{i:05d}.root", 1)
    proc = cli("run", "--site", SITE, "--config", config, "--output", out)
    assert proc.returncode != 0
    err = proc.stderr.strip().splitlines()
    assert "Traceback" not in proc.stderr
    assert err[-1].startswith("consistency: error: ") and "No space left on device" in err[-1]
    assert snapshot(out) == before  # the previous set, whole
    assert len(os.listdir(out / f".{SITE}.runs")) == 1  # the partial set was removed
    statuses = [status for status, _m in history(tmp_path)]
    assert statuses == ["completed", "failed"]
    assert "No space left on device" in history(tmp_path)[-1][1]


def test_plain_files_of_an_older_version_are_migrated(tmp_path, one):
    config, site, out = one
    out.mkdir()
    names = result_names(SITE).values()
    for name in names:  # what an older version left: plain files
        (out / name).write_text("old\n" if name.endswith(".txt") else "{}\n")
    (out / "T2_E_B_missing.txt").write_text("another site's file\n")
    run(config)
    files = snapshot(out)
    consistent(files)
    assert all(os.path.islink(out / name) for name in names)
    assert (out / "T2_E_B_missing.txt").read_text() == "another site's file\n"
    runs = sorted(os.listdir(out / f".{SITE}.runs"))
    migrated = [r for r in runs if r.startswith("migrated-")]
    assert len(runs) == 2 and len(migrated) == 1  # the old set kept as the previous one
    assert (out / f".{SITE}.runs" / migrated[0] / f"{SITE}_missing.txt").read_text() == "old\n"
