"""Done-when of the core: a generated site (fresh random seed) checked with the posix lister
and the dump inventory reports exactly the planted findings, and nothing of the decoys."""
import json
import random

import pytest

from consistency_core.testing import sitegen
from core_helpers import consistency, results

SEEDS = [random.randrange(1 << 30) for _ in range(2)]


def config_for(tmp_path, site_dir, dump, expected, **extra):
    lines = ["[sites.GEN]", 'lister = "posix"', f'url = "{site_dir}"', 'inventory = "dump"',
             f'inventory_url = "{dump}"', f'root = "{expected.root}"',
             "ignore = [" + ", ".join(f'"{p}"' for p in expected.ignore) + "]"]
    lines += [f"{k} = {v!r}" for k, v in extra.items()]
    cfg = tmp_path / "consistency.toml"
    cfg.write_text("\n".join(lines) + "\n")
    return cfg


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
    cfg = tmp_path / "consistency.toml"
    cfg.write_text("[sites.GEN]\nlister = 'dump'\ninventory = 'dump'\n"
                   f"root = '{expected.root}'\nignore = {list(expected.ignore)!r}\n")
    out = tmp_path / "out"
    consistency("diff", inv, lst, "--site", "GEN", "--config", cfg, "--output", out, check_rc=0)
    got = results(out, "GEN")
    assert got["missing"] == list(expected.missing)
    assert got["orphan"] == list(expected.orphan)
    assert got["size_mismatch"] == list(expected.size_mismatch)
