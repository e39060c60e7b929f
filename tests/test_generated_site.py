"""Done-when of the core: a generated site (seeds fixed at collection, see
consistency_core.testing.seeds) checked with the posix lister and the dump inventory reports
exactly the planted findings, and nothing of the decoys."""
import json

import pytest

from consistency_core.testing import sitegen
from consistency_core.testing.configs import write_config
from consistency_core.testing.results import read_results as results
from consistency_core.testing.runner import run_cli as consistency
from consistency_core.testing.seeds import seeds

SEEDS = seeds(2, __name__)


def config_for(tmp_path, site_dir, dump, expected, **extra):
    return write_config(tmp_path / "consistency.toml", {"GEN": {
        "lister": "posix", "url": str(site_dir), "inventory": "dump", "inventory_url": str(dump),
        "root": expected.root, "ignore": list(expected.ignore), **extra}})


@pytest.mark.parametrize("seed", SEEDS)
def test_posix_run_reports_exactly_the_planted_findings(tmp_path, seed):
    site_dir, dump = tmp_path / "site", tmp_path / "inventory.txt"
    expected = sitegen.generate(site_dir, dump, seed=seed, n_files=3000)
    cfg = config_for(tmp_path, site_dir, dump, expected, threads=4)
    out = tmp_path / "out"
    consistency("run", "--site", "GEN", "--config", cfg, "--output", out, check_rc=0)
    got = results(out, "GEN")
    assert got["missing"] == list(expected.missing), f"seed {seed}"
    assert got["orphan"] == list(expected.orphan), f"seed {seed}"
    assert got["size_mismatch"] == list(expected.size_mismatch), f"seed {seed}"
    assert got["empty_dirs"] == list(expected.empty_dirs), f"seed {seed}"
    assert got["unlisted"] == []
    summary = json.loads((out / "GEN_summary.json").read_text())
    assert summary["listing"]["files"] == expected.n_remote


@pytest.mark.parametrize("seed", SEEDS[:1])
def test_diff_of_generated_dumps_reports_exactly_the_planted_findings(tmp_path, seed):
    inv, lst = tmp_path / "inv.txt", tmp_path / "list.txt"
    expected = sitegen.generate_dumps(inv, lst, seed=seed, n_files=20000)
    cfg = write_config(tmp_path / "consistency.toml", {"GEN": {
        "lister": "dump", "inventory": "dump", "root": expected.root,
        "ignore": list(expected.ignore)}})
    out = tmp_path / "out"
    consistency("diff", inv, lst, "--site", "GEN", "--config", cfg, "--output", out, check_rc=0)
    got = results(out, "GEN")
    assert got["missing"] == list(expected.missing)
    assert got["orphan"] == list(expected.orphan)
    assert got["size_mismatch"] == list(expected.size_mismatch)
