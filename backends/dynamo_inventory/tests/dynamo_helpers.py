"""Helpers for the Dynamo backend's tests: a Dynamo database built around a generated site.

``build_world(tmp, db)`` generates a CMS-like site tree with sitegen, fills a fresh Dynamo
schema so that the site's inventory is what sitegen's dump says, plants the Dynamo-specific
cases (incomplete and group-0 replicas, IGNORED and replicated datasets, subscriptions in
flight, pending deletions, files with disk / tape-only / no other copies) and returns a
:class:`World` holding the exact findings and queue rows a correct run produces.

The expectations are derived here from what was planted, by the rules of the issue, not by
calling the backend's code.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import attrs

from consistency_core.testing import configs, runner, sitegen
from consistency_core.testing.results import CLASSES, read_results
from consistency_dynamo.schema import create_schema

SITE = "T2_XX_Test"
DISK, TAPE, MORGUE = "T1_XX_Disk", "T1_XX_MSS", "T2_XX_Morgue"
PASSWORD_ENV = "TEST_DYNAMO_PASSWORD"
OLD = time.time() - 30 * 86400


@attrs.define
class World:
    site_dir: Path
    config: Path
    output: Path
    missing: list
    orphan: list
    size_mismatch: list
    empty_dirs: list
    protected: list  # orphan candidates the default protections hide
    by_rule: dict  # protection rule key -> the orphans it alone protects
    transfers: dict  # missing LFN -> chosen source site
    no_disk: list
    unrecoverable: list
    file_ids: dict  # LFN -> files.id
    repairs: dict  # damaged (size-mismatched) LFN -> chosen source site of a good copy
    damaged_unrecoverable: list  # damaged LFNs with no good copy anywhere: left alone
    site_id: int
    seeded: dict  # table -> rows present before any run

    @property
    def damaged_unrecoverable_all(self) -> list:
        """The size mismatches that nothing repairs (sitegen's and the planted ones)."""
        return sorted(set(self.size_mismatch) - set(self.repairs))

    @property
    def deletions(self) -> list:
        return sorted(self.orphan) + list(self.empty_dirs)


# The tables as the issue lists them and nothing more (no created/start columns in the
# registry queues, no unique key on local_invalidations), in MyISAM like Dynamo's own: the
# backend must work on an installation's tables, not only on its own schema.sql.
MINIMAL_SCHEMA = """
CREATE TABLE sites (id int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, name varchar(32) NOT NULL,
  host varchar(64) NOT NULL DEFAULT '', storage_type ENUM('disk','mss','buffer','unknown') NOT NULL,
  backend varchar(64) NOT NULL DEFAULT '', status ENUM('ready','waitroom','morgue','unknown') NOT NULL);
CREATE TABLE datasets (id int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, name varchar(512) NOT NULL,
  status ENUM('UNKNOWN','DELETED','DEPRECATED','INVALID','PRODUCTION','VALID','IGNORED') NOT NULL);
CREATE TABLE blocks (id bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, dataset_id int unsigned NOT NULL,
  name varchar(128) NOT NULL, size bigint NOT NULL DEFAULT 0, num_files int NOT NULL DEFAULT 0,
  is_open tinyint NOT NULL DEFAULT 0, last_update datetime NOT NULL DEFAULT '2000-01-01');
CREATE TABLE files (id bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, block_id bigint unsigned NOT NULL,
  size bigint NOT NULL, name varchar(512) NOT NULL, KEY (block_id), KEY (name));
CREATE TABLE block_replicas (block_id bigint unsigned NOT NULL, site_id int unsigned NOT NULL,
  group_id int unsigned NOT NULL, is_custodial tinyint NOT NULL DEFAULT 0, last_update datetime NOT NULL,
  is_complete tinyint NOT NULL, PRIMARY KEY (block_id, site_id));
CREATE TABLE block_replica_files (block_id bigint unsigned NOT NULL, site_id int unsigned NOT NULL,
  file_id bigint unsigned NOT NULL);
CREATE TABLE dataset_replicas (dataset_id int unsigned NOT NULL, site_id int unsigned NOT NULL,
  growing tinyint NOT NULL DEFAULT 0, group_id int unsigned NOT NULL DEFAULT 0);
CREATE TABLE `groups` (id int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, name varchar(32) NOT NULL);
CREATE TABLE file_subscriptions (id bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
  file_id bigint unsigned NOT NULL, site_id int unsigned NOT NULL,
  status ENUM('new','inbatch','done','retry','held','cancelled') NOT NULL, created datetime NOT NULL,
  last_update datetime DEFAULT NULL, `delete` tinyint unsigned NOT NULL,
  hold_reason ENUM('no_source','all_failed','site_unavailable') DEFAULT NULL,
  UNIQUE KEY (file_id, site_id, `delete`));
CREATE TABLE file_pre_subscriptions (file_name varchar(512) NOT NULL, site_name varchar(32) NOT NULL,
  created datetime NOT NULL, `delete` tinyint unsigned NOT NULL);
CREATE TABLE deletion_queue (reqid int unsigned NOT NULL DEFAULT 0, file varchar(512) NOT NULL,
  site varchar(32) NOT NULL, status ENUM('new','done','failed') NOT NULL, UNIQUE KEY (file, site));
CREATE TABLE transfer_queue (reqid int unsigned NOT NULL DEFAULT 0, file varchar(512) NOT NULL,
  site_from varchar(32) NOT NULL, site_to varchar(32) NOT NULL, status ENUM('new','done','failed') NOT NULL,
  UNIQUE KEY (file, site_from, site_to));
CREATE TABLE local_invalidations (site varchar(32) NOT NULL, lfn varchar(512) NOT NULL);
"""


def create_minimal_schema(conn) -> None:
    with conn.cursor() as cur:
        cur.execute("SET SESSION default_storage_engine = MyISAM")
        for statement in MINIMAL_SCHEMA.split(";"):
            if statement.strip():
                cur.execute(statement)
    conn.commit()


def dataset_of(lfn: str) -> str:
    """The test's own reading of the CMS convention (kept apart from the backend's)."""
    _e, _store, _type, era, primary, tier, processed = lfn.split("/")[:7]
    return f"/{primary}/{era}-{processed}/{tier}"


def _read_dump(path: Path):
    for line in open(path):
        if line.startswith("#") or not line.strip():
            continue
        parts = line.split()
        yield parts[0], int(parts[1]), (float(parts[2]) if len(parts) > 2 else None)


class _Filler:
    def __init__(self, conn):
        self.conn = conn
        self.cur = conn.cursor()
        self.datasets: dict[str, int] = {}
        self.blocks: dict[tuple, int] = {}
        self.files: dict[str, int] = {}

    def site(self, name: str, storage="disk", status="ready") -> int:
        self.cur.execute("INSERT INTO sites (name, storage_type, status) VALUES (%s, %s, %s)",
                         (name, storage, status))
        return self.cur.lastrowid

    def dataset(self, name: str, status="VALID") -> int:
        if name not in self.datasets:
            self.cur.execute("INSERT INTO datasets (name, status) VALUES (%s, %s)", (name, status))
            self.datasets[name] = self.cur.lastrowid
        return self.datasets[name]

    def block(self, dataset: str, key: str) -> int:
        ds = self.dataset(dataset)
        if (ds, key) not in self.blocks:
            self.cur.execute("INSERT INTO blocks (dataset_id, name) VALUES (%s, %s)", (ds, key))
            self.blocks[(ds, key)] = self.cur.lastrowid
        return self.blocks[(ds, key)]

    def files_of(self, block_id: int, entries) -> None:
        for lfn, size in entries:
            self.cur.execute("INSERT INTO files (block_id, size, name) VALUES (%s, %s, %s)",
                             (block_id, size, lfn))
            self.files[lfn] = self.cur.lastrowid

    def replica(self, block_id, site_id, *, group=1, complete=True, when=OLD) -> None:
        self.cur.execute("INSERT INTO block_replicas (block_id, site_id, group_id, is_complete,"
                         " last_update) VALUES (%s, %s, %s, %s, FROM_UNIXTIME(%s))",
                         (block_id, site_id, group, int(complete), int(when)))


def _disk_file(site_dir: Path, lfn: str, size: int) -> None:
    path = Path(str(site_dir) + lfn)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)


def _age_tree(site_dir: Path, top: str) -> None:
    """Make planted files and their new directories old, like sitegen's."""
    for dirpath, _dirs, files in os.walk(str(site_dir) + top, topdown=False):
        for name in files:
            os.utime(os.path.join(dirpath, name), (OLD, OLD))
        os.utime(dirpath, (OLD, OLD))


def build_world(tmp: Path, db, *, seed: int = 11, n_files: int = 600, queue="subscriptions",
                extra: dict | None = None, minimal: bool = False, **generate) -> World:
    """``extra``: more site-config keys; ``minimal``: the issue's bare tables (MyISAM) instead
    of schema.sql; ``generate``: more sitegen.generate arguments."""
    site_dir, dump = tmp / "site", tmp / "inventory.txt"
    exp = sitegen.generate(site_dir, dump, seed=seed, n_files=n_files, **generate)
    conn = db.connect()
    (create_minimal_schema if minimal else create_schema)(conn)
    f = _Filler(conn)
    target = f.site(SITE)
    disk, tape = f.site(DISK), f.site(TAPE, storage="mss")
    morgue = f.site(MORGUE, status="morgue")

    # sitegen's inventory: one block per (directory, young) pair, young blocks updated now
    groups: dict[tuple, list] = {}
    cutoff = time.time() - 86400
    for lfn, size, mtime in _read_dump(dump):
        young = mtime is not None and mtime > cutoff
        groups.setdefault((lfn.rpartition("/")[0], young), []).append((lfn, size))
    missing = set(exp.missing)
    block_of: dict[str, int] = {}
    for (directory, young), entries in sorted(groups.items()):
        bid = f.block(dataset_of(entries[0][0]), f"{directory.rpartition('/')[2]}-{int(young)}")
        f.files_of(bid, entries)
        f.replica(bid, target, when=time.time() if young else OLD)
        for lfn, _ in entries:
            block_of[lfn] = bid
    # where sitegen's missing files can come from: by block, disk / tape only / nowhere
    transfers, no_disk, unrecoverable = {}, [], []
    damaged = set(exp.size_mismatch)
    repairs, damaged_unrecoverable = {}, []
    source_of_block = {}  # block -> the source of its files, None: no good copy
    for i, bid in enumerate(sorted({block_of[m] for m in missing | damaged})):
        mode = i % 3
        lfns = [m for m in missing | damaged if block_of[m] == bid]
        if mode == 0:
            f.replica(bid, disk)
            f.replica(bid, tape)
            source_of_block[bid] = DISK
        elif mode == 1:
            f.replica(bid, tape)
            f.replica(bid, disk, complete=False)
            source_of_block[bid] = TAPE
        else:
            f.replica(bid, morgue)  # a complete copy, but at a site that is not ready
            f.replica(bid, disk, complete=False)
            source_of_block[bid] = None
        for m in lfns:
            src = source_of_block[bid]
            if m in damaged:
                if src is None:
                    damaged_unrecoverable.append(m)
                else:
                    repairs[m] = src
            elif src is None:
                unrecoverable.append(m)
            else:
                transfers[m] = src
                if src == TAPE:
                    no_disk.append(m)
    # half of sitegen's datasets have a dataset replica at the site: their orphans are protected
    names = sorted(f.datasets)
    replicated = set(names[::2])
    for name in replicated:
        f.cur.execute("INSERT INTO dataset_replicas (dataset_id, site_id, group_id) VALUES"
                      " (%s, %s, 1)", (f.datasets[name], target))
    orphan = [o for o in exp.orphan if dataset_of(o) not in replicated]
    protected = [o for o in exp.orphan if dataset_of(o) in replicated]
    by_rule = {"dynamo_protect_dataset_replicas": list(protected)}

    planted = _plant(f, site_dir, target, disk)
    orphan += planted["orphan"]
    for rule, lfns in planted["protected"].items():
        by_rule.setdefault(rule, []).extend(lfns)
        protected += lfns
    transfers.update(planted["transfers"])
    repairs.update(planted["repairs"])
    damaged_unrecoverable += planted["damaged_unrecoverable"]
    missing_all = sorted(missing | set(planted["missing"]))
    _age_tree(site_dir, "/store/mc/DynamoTest")
    conn.commit()
    seeded = table_rows(conn)
    conn.close()

    output = tmp / "results"
    keys = {"lister": "posix", "url": str(site_dir), "inventory": "dynamo",
            "inventory_url": db.url, "dynamo_password_env": PASSWORD_ENV,
            "ignore": list(exp.ignore), "reporters": ["dynamo"], "output": str(output),
            "state_dir": str(tmp / "state"), "dynamo_queue": queue,
            "dynamo_reconnect_seconds": 20, "confirm_missing_runs": 1,
            "confirm_orphan_runs": 1, "confirm_orphan_days": 0, **(extra or {})}
    config = tmp / "consistency.toml"
    write_config(config, keys)
    _set_act(config)
    return World(site_dir=site_dir, config=config, output=output, missing=missing_all,
                 orphan=sorted(orphan),
                 size_mismatch=sorted(set(exp.size_mismatch) | set(planted["damaged"])),
                 empty_dirs=list(exp.empty_dirs), protected=sorted(protected), by_rule=by_rule,
                 transfers=transfers, no_disk=sorted(no_disk), unrecoverable=sorted(unrecoverable),
                 file_ids=dict(f.files), site_id=target, seeded=seeded, repairs=repairs,
                 damaged_unrecoverable=sorted(damaged_unrecoverable))


def _set_act(config: Path) -> None:
    """Sites start dry; these tests are about what acting does: the deliberate step."""
    from consistency_core.config import load as load_config
    from consistency_core.history import open_history

    history = open_history(load_config(str(config)).site(SITE))
    try:
        history.set_state(SITE, time.time(), mode="act")
    finally:
        history.close()


def _plant(f: _Filler, site_dir: Path, target: int, disk: int) -> dict:
    """The Dynamo-specific cases, in datasets of their own below /store/mc/DynamoTest."""
    def lfn(primary, name):
        return f"/store/mc/DynamoTest/{primary}/AODSIM/Plant-v1/00000/{name}.root"

    def ds(primary):
        return f"/{primary}/DynamoTest-Plant-v1/AODSIM"

    out = {"orphan": [], "missing": [], "transfers": {}, "protected": {}, "repairs": {},
           "damaged": [], "damaged_unrecoverable": []}
    # incomplete replica: only inc1, inc2 are at the site; inc2 not on disk is not missing;
    # inc5 on disk but not registered there is an orphan (one with a files row)
    inc = [lfn("Incomplete", f"inc{i}") for i in range(1, 6)]
    bid = f.block(ds("Incomplete"), "b1")
    f.files_of(bid, [(x, 100) for x in inc])
    f.replica(bid, target, complete=False)
    for x in inc[:2]:
        f.cur.execute("INSERT INTO block_replica_files VALUES (%s, %s, %s)",
                      (bid, target, f.files[x]))
    _disk_file(site_dir, inc[0], 100)
    _disk_file(site_dir, inc[4], 100)
    out["orphan"].append(inc[4])
    # group 0: its files are new, g0_3 not on disk is not missing
    g0 = [lfn("GroupZero", f"g0_{i}") for i in range(1, 4)]
    bid = f.block(ds("GroupZero"), "b1")
    f.files_of(bid, [(x, 200) for x in g0])
    f.replica(bid, target, group=0)
    for x in g0[:2]:
        _disk_file(site_dir, x, 200)
    # IGNORED dataset: unregistered files of it are protected
    f.dataset(ds("Ignored"), status="IGNORED")
    ign = [lfn("Ignored", f"ign{i}") for i in (1, 2)]
    for x in ign:
        _disk_file(site_dir, x, 50)
    out["protected"]["dynamo_protect_ignored"] = ign
    # dataset with a replica at the site: an unregistered file of it is protected
    rep = lfn("Replicated", "rep1")
    bid = f.block(ds("Replicated"), "b1")
    f.files_of(bid, [(rep, 300)])
    f.replica(bid, target)
    f.cur.execute("INSERT INTO dataset_replicas (dataset_id, site_id) VALUES (%s, %s)",
                  (f.datasets[ds("Replicated")], target))
    _disk_file(site_dir, rep, 300)
    rep_orphan = lfn("Replicated", "rep_orphan")
    _disk_file(site_dir, rep_orphan, 30)
    out["protected"]["dynamo_protect_dataset_replicas"] = [rep_orphan]
    # transfers to the site in flight: new / held protect, done does not; a pre-subscription too
    sub = [lfn("Subscribed", f"sub{i}") for i in (1, 2, 3)]
    bid = f.block(ds("Subscribed"), "b1")
    f.files_of(bid, [(x, 400) for x in sub])
    f.replica(bid, disk)
    for x, status in zip(sub, ("new", "done", "held")):
        f.cur.execute("INSERT INTO file_subscriptions (file_id, site_id, status, created, `delete`)"
                      " VALUES (%s, %s, %s, NOW(), 0)", (f.files[x], target, status))
        _disk_file(site_dir, x, 400)
    pre = lfn("Subscribed", "pre1")
    f.cur.execute("INSERT INTO file_pre_subscriptions (file_name, site_name, created, `delete`)"
                  " VALUES (%s, %s, NOW(), 0)", (pre, SITE))
    _disk_file(site_dir, pre, 10)
    out["orphan"].append(sub[1])
    out["protected"]["dynamo_protect_subscriptions"] = [sub[0], sub[2], pre]
    # pending deletion at the site: del2 is not missing; del3's deletion is done: missing
    dele = [lfn("Deleting", f"del{i}") for i in (1, 2, 3)]
    bid = f.block(ds("Deleting"), "b1")
    f.files_of(bid, [(x, 500) for x in dele])
    f.replica(bid, target)
    f.replica(bid, disk)
    for x, status in ((dele[1], "new"), (dele[2], "done")):
        f.cur.execute("INSERT INTO file_subscriptions (file_id, site_id, status, created, `delete`)"
                      " VALUES (%s, %s, %s, NOW(), 1)", (f.files[x], target, status))
    _disk_file(site_dir, dele[0], 500)
    out["missing"].append(dele[2])
    out["transfers"][dele[2]] = DISK
    # damaged replicas (another size on disk): dmg1 has a good copy on disk, dmg2 on tape
    # only, dmg3 none (left alone: SITE_unrecoverable.txt)
    dmg = [lfn("Damaged", f"dmg{i}") for i in (1, 2, 3)]
    for i, (x, other, source) in enumerate(((dmg[0], disk, DISK), (dmg[1], None, TAPE),
                                            (dmg[2], None, None))):
        bid = f.block(ds("Damaged"), f"b{i}")
        f.files_of(bid, [(x, 600)])
        f.replica(bid, target)
        if source == TAPE:
            f.cur.execute("SELECT id FROM sites WHERE name = %s", (TAPE,))
            f.replica(bid, f.cur.fetchone()[0])
        elif other is not None:
            f.replica(bid, other)
        _disk_file(site_dir, x, 599)
        out["damaged"].append(x)
        if source is None:
            out["damaged_unrecoverable"].append(x)
        else:
            out["repairs"][x] = source
    return out


QUEUE_TABLES = ("file_subscriptions", "file_pre_subscriptions", "deletion_queue",
                "transfer_queue", "local_invalidations")
_COLUMNS = {
    "file_subscriptions": "file_id, site_id, status, `delete`",
    "file_pre_subscriptions": "file_name, site_name, `delete`",
    "deletion_queue": "file, site, status",
    "transfer_queue": "file, site_from, site_to, status",
    "local_invalidations": "site, lfn",
}


def table_rows(conn) -> dict:
    """Every queue table's rows (sorted, with duplicates kept)."""
    out = {}
    with conn.cursor() as cur:
        for table in QUEUE_TABLES:
            cur.execute(f"SELECT {_COLUMNS[table]} FROM {table}")
            out[table] = sorted(tuple(r) for r in cur.fetchall())
    conn.commit()
    return out


def expected_rows(world: World, queue: str) -> dict:
    rows = {t: list(v) for t, v in world.seeded.items()}
    if queue == "registry":
        rows["deletion_queue"] += [(x, SITE, "new") for x in world.deletions]
        rows["transfer_queue"] += [(m, src, SITE, "new") for m, src in world.transfers.items()]
        rows["deletion_queue"] += [(x, SITE, "new") for x in world.repairs]
        rows["transfer_queue"] += [(x, src, SITE, "new") for x, src in world.repairs.items()]
    else:
        for x in world.deletions:
            if x in world.file_ids:
                rows["file_subscriptions"].append((world.file_ids[x], world.site_id, "new", 1))
            else:
                rows["file_pre_subscriptions"].append((x, SITE, 1))
        rows["file_subscriptions"] += [(world.file_ids[m], world.site_id, "new", 0)
                                       for m in world.transfers]
        rows["file_subscriptions"] += [(world.file_ids[x], world.site_id, "new", d)
                                       for x in world.repairs for d in (0, 1)]
    return {t: sorted(v) for t, v in rows.items()}


def write_config(path: Path, keys: dict, site: str = SITE) -> Path:
    return configs.write_config(path, {site: keys})


def run_cli(*args, db=None, env_extra: dict | None = None):
    """The command line in-process, with the database password in its environment."""
    env = dict(env_extra or {})
    if db is not None:
        env[PASSWORD_ENV] = db.password
    return runner.run_cli(*args, env=env)


def result_lists(output: Path, site: str = SITE) -> dict:
    return read_results(output, site, CLASSES + ("missing_no_disk", "unrecoverable"))
