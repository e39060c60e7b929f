"""Which dataset and block a file belongs to, and the missing files grouped by them
(``SITE_missing_datasets.txt``, what operators turn into block-level repairs).

An inventory that knows its catalog (Dynamo) provides ``blocks_of(lfns) -> {lfn: (dataset,
block)}``; otherwise the dataset is derived from the LFN by the CMS convention and the block
is unknown (``-``).
"""
from __future__ import annotations

UNKNOWN = "-"


def cms_dataset(lfn: str) -> str | None:
    """CMS: ``/store/<type>/<era>/<primary>/<tier>/<processed>/.../file`` belongs to the dataset
    ``/<primary>/<era>-<processed>/<tier>``. None for a path that does not follow it."""
    parts = lfn.split("/")
    # '', 'store', type, era, primary, tier, processed, ..., file name
    if len(parts) < 8 or parts[0] or parts[1] != "store" or not all(parts[2:7]):
        return None
    _type, era, primary, tier, processed = parts[2:7]
    return f"/{primary}/{era}-{processed}/{tier}"


def blocks_of(inventory, lfns: list[str]) -> dict[str, tuple[str, str]]:
    """lfn -> (dataset, block): the inventory's answer where it has one, else the CMS
    convention with an unknown block."""
    known = {}
    ask = getattr(inventory, "blocks_of", None)
    if ask is not None and lfns:
        known = ask(lfns)
    out = {}
    for lfn in lfns:
        out[lfn] = known.get(lfn) or (cms_dataset(lfn) or UNKNOWN, UNKNOWN)
    return out


def grouped(missing, blocks: dict[str, tuple[str, str]]) -> list[tuple[str, str, int, int]]:
    """(dataset, block, files, bytes) for the missing (lfn, size) rows, sorted by dataset
    and block."""
    groups: dict[tuple[str, str], list[int]] = {}
    for lfn, size in missing:
        key = blocks.get(lfn) or (cms_dataset(lfn) or UNKNOWN, UNKNOWN)
        entry = groups.setdefault(key, [0, 0])
        entry[0] += 1
        entry[1] += size
    return [(ds, block, n, size) for (ds, block), (n, size) in sorted(groups.items())]


HEADER = "# dataset\tblock\tmissing files\tmissing bytes"


def lines(missing, blocks) -> list[str]:
    return [HEADER] + [f"{ds}\t{block}\t{n}\t{size}" for ds, block, n, size in
                       grouped(missing, blocks)]
