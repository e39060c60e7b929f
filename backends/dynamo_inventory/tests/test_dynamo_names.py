"""A site file whose name is not UTF-8, checked against Dynamo with --act: the run completes,
the name is in the result files as its bytes, and no row is queued for a name Dynamo's text
columns cannot hold (a guessed spelling would delete or subscribe another path)."""
from __future__ import annotations

import json
import os

from dynamo_helpers import SITE, build_world, expected_rows, run_cli, table_rows

from consistency_core import names

from consistency_core.testing import odd_names


def test_a_latin1_orphan_is_reported_not_queued(tmp_path, mariadb_server):
    world = build_world(tmp_path, mariadb_server, seed=5, n_files=600)
    holder = os.path.dirname(world.orphan[0])
    latin = f"{holder}/caf\udce9.root"
    path = os.fsencode(world.site_dir) + names.to_bytes(latin)
    with open(path, "wb") as fh:
        fh.write(b"x" * 7)
    os.utime(path, (odd_names.OLD, odd_names.OLD))
    os.chmod(path, 0o644)
    res = run_cli("run", "--site", SITE, "--config", world.config, "--inventory", "dynamo",
                  "--act", db=mariadb_server)
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr
    orphans = (world.output / f"{SITE}_orphan.txt").read_bytes().splitlines()
    assert sorted(orphans) == sorted([*map(names.to_bytes, world.orphan), names.to_bytes(latin)])
    conn = mariadb_server.connect()
    assert table_rows(conn) == expected_rows(world, "subscriptions")  # nothing for the latin name
    record = json.loads((world.output / f"{SITE}_dynamo.json").read_text())
    assert record["not_written"]["deletions_not_utf8"] == [names.shown(latin)]
