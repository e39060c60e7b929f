"""The example backend package (examples/consistency-catalog-example), installed offline as a
third party would (pip --no-deps --no-build-isolation, into a target dir of its own so the
shared venv stays as it is) and run: a real site on disk, listed by its lister, compared with
its CSV catalogue, acted on by its reporter only once the site is set act, and the report
grouping missing files by the inventory's datasets."""
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from consistency_core.testing.runner import run_process as consistency

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "consistency-catalog-example"
OLD = time.time() - 30 * 86400


@pytest.fixture(scope="module")
def example_env(tmp_path_factory):
    target = tmp_path_factory.mktemp("example_site_packages")
    build = tmp_path_factory.mktemp("example_build")
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                           "--no-build-isolation", "--no-index", "--target", str(target),
                           str(EXAMPLE)], capture_output=True, text=True, cwd=build)
    assert proc.returncode == 0, proc.stderr
    return {"PYTHONPATH": str(target)}


def put(root: Path, lfn: str, size: int) -> None:
    path = root / lfn.lstrip("/")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)
    os.utime(path, (OLD, OLD))


@pytest.fixture
def site(tmp_path):
    storage = tmp_path / "storage"
    present = {f"/store/data/A/f{i}.root": ("/A/Run1/RAW", 10 + i) for i in range(6)}
    missing = {"/store/data/A/gone1.root": ("/A/Run1/RAW", 5),
               "/store/data/A/gone2.root": ("/A/Run1/RAW", 6),
               "/store/data/B/gone3.root": ("/B/Run2/AOD", 7)}
    orphans = ["/store/data/old/orphan1.root", "/store/data/old/orphan2.root"]
    for lfn, (_ds, size) in present.items():
        put(storage, lfn, size)
    for lfn in orphans:
        put(storage, lfn, 3)
    for directory in (storage / "store" / "data" / d for d in ("A", "old")):
        os.utime(directory, (OLD, OLD))
    catalogue = tmp_path / "catalogue.csv"
    catalogue.write_text("lfn,size,mtime,dataset\n" + "".join(
        f"{lfn},{size},{int(OLD)},{ds}\n" for lfn, (ds, size) in {**present, **missing}.items()))
    config = tmp_path / "consistency.toml"
    config.write_text(f"""[defaults]
root = "/store"
threads = 2
output = "{tmp_path / 'results'}"
state_dir = "{tmp_path / 'state'}"
max_missing_fraction = 0.5
max_orphan_fraction = 0.5
confirm_orphan_runs = 2
confirm_orphan_days = 0

[sites.T2_EX]
lister = "example-fs"
url = "{storage}"
inventory = "csv-catalog"
inventory_url = "{catalogue}"
reporters = ["deletion-queue"]
""")
    return config, missing, orphans, tmp_path


def test_the_example_package_lists_compares_and_acts_only_when_allowed(example_env, site):
    config, missing, orphans, tmp = site
    shown = consistency("plugins", env=example_env, check_rc=0).stdout
    assert "catalog-example  [consistency-catalog-example 1.0.0]" in shown
    for backend in ("lister example-fs", "inventory csv-catalog", "reporter deletion-queue"):
        assert backend in shown, shown
    assert "deletion_queue_file (string" in shown

    queue = tmp / "results" / "T2_EX_deletion_queue.txt"
    for _ in range(2):  # dry: the acting reporter is withheld, even with --act
        proc = consistency("run", "--site", "T2_EX", "--config", config, "--act", env=example_env)
        assert proc.returncode == 0, proc.stderr
        assert re.search(r"^mode\s+dry", proc.stdout, re.M), proc.stdout
    assert not queue.exists()
    assert sorted((tmp / "results" / "T2_EX_missing.txt").read_text().split()) == sorted(missing)

    consistency("status", "set", "T2_EX", "act", "--config", config, env=example_env, check_rc=0)
    proc = consistency("run", "--site", "T2_EX", "--config", config, "--act", env=example_env)
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"^mode\s+act", proc.stdout, re.M)
    assert sorted(queue.read_text().split()) == sorted(orphans)  # confirmed over 3 runs

    report = tmp / "www"
    consistency("report", "--config", config, "--output", report, env=example_env, check_rc=0)
    page = (report / "sites" / "T2_EX.html").read_text()
    grouped = re.findall(r'<tr><td class="lfn">([^<]+)</td><td>(\d+)</td>',
                         page.split('class="findings datasets"')[1].split("</table>")[0])
    assert grouped == [("/A/Run1/RAW", "2"), ("/B/Run2/AOD", "1")]


def test_a_bad_catalogue_row_is_one_line_naming_file_and_line(example_env, site):
    config, _missing, _orphans, tmp = site
    catalogue = tmp / "catalogue.csv"
    catalogue.write_text(catalogue.read_text() + "/store/data/C/x.root,big,,/C/D/E\n")
    proc = consistency("run", "--site", "T2_EX", "--config", config, env=example_env)
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert lines[-1].endswith(f"{catalogue}:11: expected lfn,size,mtime,dataset, got "
                              "'/store/data/C/x.root,big,,/C/D/E'"), proc.stderr
