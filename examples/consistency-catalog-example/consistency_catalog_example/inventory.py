"""``csv-catalog``: the site's inventory from a CSV file (the site's ``inventory_url``) with
the columns ``lfn,size,mtime,dataset``; ``mtime`` may be empty (an old file)."""
from __future__ import annotations

import csv

from consistency_core.api import ConfigError, InventoryFile


class CsvCatalog:
    def __init__(self, site):
        self.path = site.inventory_url
        self.root = site.root
        self._datasets: dict[str, str] = {}

    def files(self):
        """Every file the catalogue places at the site, streamed; a bad row is one error
        naming the file and line."""
        try:
            fh = open(self.path, newline="", encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{self.path}: cannot read the catalogue: "
                              f"{exc.strerror or exc}") from None
        with fh:
            for number, row in enumerate(csv.reader(fh), 1):
                if not row or row[0].startswith("#") or row[0] == "lfn":
                    continue
                try:
                    lfn, size, mtime, dataset = row
                    entry = InventoryFile(lfn, int(size), float(mtime) if mtime else None)
                except ValueError:
                    raise ConfigError(f"{self.path}:{number}: expected lfn,size,mtime,dataset, "
                                      f"got {','.join(row)!r}") from None
                self._datasets[lfn] = dataset
                yield entry

    def dataset_of(self, lfn: str) -> str | None:
        """The dataset an LFN belongs to (the report groups missing files by it). The core
        calls it only after ``files()``, or on a fresh object: then the catalogue is read."""
        if not self._datasets:
            for _entry in self.files():
                pass
        return self._datasets.get(lfn) or None

    def close(self) -> None:
        self._datasets.clear()
