"""For tests: a site whose names are every kind of odd byte string a storage system can hold,
with one planted missing, orphan and size mismatch per kind, and what each lister must report
(``posix``, ``dump``, ``xrootd``, ``gfal-file``, ``gfal-root``, ``gfal-http``)."""
from __future__ import annotations

import os
import time
from pathlib import Path

from consistency_core.check import check_site

import attrs

from consistency_core import ErrorKind, config, names

OLD = int(time.time()) - 30 * 86400
# kind -> the name's bytes (a file is NAME + an 8-byte suffix: 255 bytes for "long")
KINDS = {
    "latin1": b"caf\xe9",
    "question": b"what?x=1",
    "hash": b"h#sh",
    "percent": b"p%41%e9",
    "space": b"two words 5",
    "leading": b" lead",
    "utf8": "\u00fcn\u00efc\u00f6de".encode(),
    "long": b"L" * 247,
}
SUFFIXES = {"matched": b".matched", "orphan": b".orphan_", "missing": b".missing",
            "size": b".sizemis"}


@attrs.frozen
class OddSite:
    root: Path  # the directory served: LFN /x is root/x
    dump: Path  # the inventory
    listing: Path  # a dump of what is on disk (for the dump lister)
    missing: tuple
    orphan: tuple
    size_mismatch: tuple
    dirs: dict  # kind -> (directory of odd files, parent of the odd directory, odd directory)


def lfn(*parts: bytes) -> str:
    return names.from_bytes(b"/".join((b"", b"store", b"odd", *parts)))


def build(base: Path) -> OddSite:
    root = base / "site"
    inventory, on_disk = [], []
    missing, orphan, mismatch = [], [], []
    dirs = {}
    for i, (kind, name) in enumerate(KINDS.items()):
        files_dir, parent = f"f{i}".encode(), f"c{i}".encode()
        dirs[kind] = (lfn(files_dir), lfn(parent), lfn(parent, name))
        for where in ((files_dir,), (parent, name)):
            def at(suffix):
                return lfn(*where, name + SUFFIXES[suffix])
            inventory += [(at("matched"), 10), (at("missing"), 11), (at("size"), 12)]
            on_disk += [(at("matched"), 10), (at("orphan"), 13), (at("size"), 10)]
            missing.append(at("missing"))
            orphan.append(at("orphan"))
            mismatch.append(at("size"))
    plant(root, on_disk)
    dump, listing = base / "inventory.txt", base / "listing.txt"
    write_dump(dump, inventory)
    write_dump(listing, on_disk)
    return OddSite(root, dump, listing, tuple(sorted(missing)), tuple(sorted(orphan)),
                   tuple(sorted(mismatch)), dirs)


def plant(root: Path, rows) -> None:
    """Files (lfn, size) below root, 30 days old, readable by the server's user."""
    for path, size in rows:
        full = os.fsencode(root) + names.to_bytes(path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as fh:
            fh.write(b"x" * size)
    for top, subdirs, files in os.walk(os.fsencode(root), topdown=False):
        for entry in files + subdirs:
            os.utime(os.path.join(top, entry), (OLD, OLD))
        os.chmod(top, 0o755)


def write_dump(path: Path, rows) -> None:
    path.write_bytes(b"".join(names.to_bytes(f"{lfn} {size} {OLD}\n") for lfn, size in rows))


def unreachable(site: OddSite, lister: str) -> list[str]:
    """The directories a lister must report unlisted (and nothing below them)."""
    if lister in ("posix", "dump"):
        return []
    f_latin, c_latin, _ = site.dirs["latin1"]
    out = [f_latin, c_latin]  # a name that is not UTF-8: the bindings cannot return it
    if lister != "gfal-file":
        out.append(site.dirs["question"][2])  # '?' cannot be sent
        f_long, _, c_long = site.dirs["long"]
        out += [f_long, c_long]  # XRootD cuts names at 254 bytes
    return sorted(out)


def expected(site: OddSite, lister: str) -> dict[str, list[str]]:
    blocked = unreachable(site, lister)

    def keep(paths):
        return sorted(p for p in paths if not any(p.startswith(d + "/") for d in blocked))

    return {"missing": keep(site.missing), "orphan": keep(site.orphan),
            "size_mismatch": keep(site.size_mismatch), "empty_dirs": [], "unlisted": blocked}


def found(result) -> dict[str, list[str]]:
    f = result.findings
    return {"missing": sorted(l for l, _s in f.missing), "orphan": sorted(l for l, _s in f.orphan),
            "size_mismatch": sorted(l for l, _i, _r in f.size_mismatch),
            "empty_dirs": sorted(f.empty_dirs), "unlisted": sorted(f.unlisted)}


def read_result(path: Path, sized: bool = False) -> list[str]:
    """A result file's lines as names (the bytes, decoded as the program does); ``sized``:
    each line ends with two tab-separated sizes (SITE_size_mismatch.txt)."""
    return sorted(names.from_bytes(line.rsplit(b"\t", 2)[0] if sized else line)
                  for line in path.read_bytes().split(b"\n") if line)


def site_for(lister: str, odd: OddSite, server, output) -> config.SiteConfig:
    """The site config listing ``odd`` with ``lister`` (``server``: a running XrootdServer
    serving odd.root, for xrootd and gfal over root:// and http://)."""
    url = {"posix": str(odd.root), "dump": str(odd.listing), "gfal-file": f"file://{odd.root}",
           "xrootd": server and server.url, "gfal-root": server and server.url,
           "gfal-http": server and server.http_url}[lister]
    raw = {"lister": lister.split("-")[0], "url": url, "inventory": "dump",
           "inventory_url": str(odd.dump), "root": "/store", "threads": 4, "retries": 2,
           "retry_delay": 0.05, "timeout": 30, "output": str(output),
           "max_missing_fraction": 1.0, "max_orphan_fraction": 1.0}
    return config.build_site("T2_ODD", raw, "(test)")


def check_exactly(lister: str, odd: OddSite, server, output: Path) -> None:
    """Check the odd site with ``lister`` and assert: the planted findings exactly, nothing
    false, every name it cannot carry refused at once (one attempt, never a timeout) with
    its reason, and result files that read back as the same names."""
    from consistency_core.output import write_result

    result = check_site(site_for(lister, odd, server, output))
    write_result(result, str(output))
    want = expected(odd, lister)
    got = found(result)
    assert {k: (sorted(set(got[k]) - set(want[k])), sorted(set(want[k]) - set(got[k])))
            for k in want} == {k: ([], []) for k in want}, result.walk.failures
    blocked = len(want["unlisted"])
    assert dict(result.walk.errors) == ({ErrorKind.OTHER: blocked} if blocked else {})
    assert sum(result.walk.attempts_failed.values()) == blocked
    for _lfn, _kind, message in result.walk.failures:
        assert any(why in message for why in ("UTF-8", "'?'", "cuts names at 254")), message
    for cls in ("missing", "orphan", "size_mismatch", "unlisted"):
        assert read_result(output / f"T2_ODD_{cls}.txt", cls == "size_mismatch") == want[cls], cls
