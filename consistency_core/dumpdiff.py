"""``consistency diff`` without trees: a hash join of two dumps, for 10M+ lines a side.

Building two namespace trees of 10M files each costs ~70 s and ~4 GB in CPython. Comparing
two *dumps* does not need them: a file's identity is its path and size, and the rules of
:mod:`consistency_core.compare` only ever depend on the few lines that differ. So:

1. the listing is read into one dict, ``hash(path) -> offset << 48 | size << 1 | new`` (two
   ints a line instead of a tree; the path itself stays in the file, found again by offset);
2. meanwhile a forked process parses the inventory into arrays (path hash, size, offset),
   block by block, and once the listing is read this process parses the blocks the worker
   has not reached; every block is matched against the listing with ``dict.pop`` and
   C-level ``map``/``compress``, which leaves the unmatched listing entries in the dict;
   the few inventory lines that do not match exactly are read back and parsed exactly;
3. the listing entries left are orphan candidates: their lines are read back by offset;
   a path hash that matched two different paths is detected (mismatch candidates are
   checked against the listing text), and so are duplicate paths;
4. the compare rules (top directories, unlisted directories, ignore patterns, directories
   holding only new entries) are applied to the candidates alone. Whether a directory
   above a missing candidate holds only new remote files is told by an old line next to
   the new ones, by a candidate, or else by searching the listing again for its lines.

Anything this path cannot decide *exactly* raises :class:`Unsupported` and the caller
compares with trees instead (same result, slower): compressed dumps, non-ASCII text,
anything but single spaces between fields, comments after the first data line, malformed
lines (the tree path then names the file and line), non-integer mtimes, duplicate paths,
a path hash shared by two paths, and more than MAX_SCANNED_DIRS directories that may hold
only new remote files.

Like the Merkle digests of the tree comparison, equal 64-bit hashes are taken as equal
content for files that match in path hash *and* size; a collision there could hide a
finding (never invent one), with odds of about n_inventory * n_listing / 2**64.
"""
from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
import queue
import re
import threading
import time
from array import array
from itertools import accumulate, compress, repeat
from operator import add, and_, itemgetter, lshift, ne, or_

import attrs

from .compare import Findings

BLOCK = 16 << 20  # bytes read at a time
SIZE_BITS = 47  # value = offset << 48 | size << 1 | new
MASK = (1 << (SIZE_BITS + 1)) - 1
ABSENT = -2  # dict.pop default

_WS = b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"  # what str.split() splits an ASCII line on
_NOT_WS = bytes(c for c in range(256) if c not in _WS)
_IS_P = bytes(1 if c == ord("p") else 0 for c in range(256))
_IS_M = bytes(1 if c == ord("m") else 0 for c in range(256))
_GAP = bytes(ord("p") if c == ord("\n") else ord("d") for c in range(256))  # next field's kind
UNLISTED = b"# unlisted: "
_EMPTY_COMPONENT = re.compile(rb"/[/ ]")  # one pass for "//" and a path ending in "/"


class Unsupported(Exception):
    """This input needs the tree comparison; the message says why."""


@attrs.define
class DumpDiff:
    findings: Findings
    listing_files: int
    listing_bytes: int
    inventory_files: int  # below the top directories, as the tree comparison counts them
    inventory_bytes: int
    timings: dict


# ------------------------------------------------------------------------------- parsing
@attrs.define
class Block:
    """The lines of one block: paths, sizes and which lines are new; offsets if asked."""

    paths: list
    sizes: list
    new: list  # indices of lines younger than the cutoff
    offsets: list | None


def _blocks(path: str, unlisted: list | None):
    """Yield (offset, bytes) of whole lines; the leading ``#`` lines are taken off first."""
    if path.endswith((".gz", ".bz2")):
        raise Unsupported("compressed dump")
    with open(path, "rb") as fh:
        offset, rest, head = 0, b"", True
        while True:
            data = fh.read(BLOCK)
            if not data:
                if rest:  # a cut dump: the tree path refuses it, naming file and line
                    raise Unsupported("no newline after the last line")
                return
            data = rest + data if rest else data
            cut = data.rfind(b"\n") + 1
            if not cut:
                rest = data
                continue
            chunk, rest = data[:cut], data[cut:]
            if head:
                skip = _comments(chunk, unlisted)
                offset += skip
                chunk = chunk[skip:]
                head = skip == cut
                if not chunk:
                    continue
            yield offset, chunk
            offset += len(chunk)


def _comments(chunk: bytes, unlisted: list | None) -> int:
    """Length of the leading comment lines; collects ``# unlisted:`` LFNs."""
    pos = 0
    while chunk.startswith(b"#", pos):
        end = chunk.index(b"\n", pos) + 1
        if unlisted is not None and chunk.startswith(UNLISTED, pos):
            try:
                unlisted.append(chunk[pos + len(UNLISTED):end].decode("ascii").strip())
            except UnicodeDecodeError:
                raise Unsupported("non-ASCII unlisted mark") from None
        pos = end
    return pos


def _parse(chunk: bytes, base: int, cutoff_int: int | None, want_offsets: bool) -> Block:
    """Split a block of canonical lines (``path size [mtime]``, single spaces) at C speed.

    Raises Unsupported for anything else, so the tree path reports it exactly. Without a
    ``cutoff_int`` no line is looked at for being new.
    """
    if not chunk.isascii() or b"#" in chunk[:1]:
        raise Unsupported("non-ASCII text or comments among the lines")
    fields = chunk.split()
    nf = len(fields)
    gaps = chunk.translate(None, _NOT_WS)
    # one separator after every field: a space inside a line, a newline at its end
    if len(gaps) != nf or gaps.count(b" ") + gaps.count(b"\n") != nf or chunk[:1] in _WS:
        raise Unsupported("not single spaces between fields")
    if _EMPTY_COMPONENT.search(chunk):
        raise Unsupported("paths with empty components")
    n = nf - gaps.count(b" ")
    if nf == 3 * n:
        paths, sizes, mtimes = fields[0::3], fields[1::3], fields[2::3]
        kinds_ok = (bytes(map(itemgetter(0), paths)) == b"/" * n
                    and gaps == b"  \n" * n)
        mtime_lines = kinds = None  # every line has one
    elif nf == 2 * n:
        paths, sizes, mtimes = fields[0::2], fields[1::2], []
        kinds_ok = bytes(map(itemgetter(0), paths)) == b"/" * n and gaps == b" \n" * n
        mtime_lines, kinds = b"", None
    else:
        kinds = b"p" + gaps[:-1].translate(_GAP)  # a field after a newline is a path
        marked = kinds.replace(b"dd", b"dm")
        paths = list(compress(fields, kinds.translate(_IS_P)))
        kinds_ok = (b"pp" not in kinds and b"ddd" not in kinds and not kinds.endswith(b"p")
                    and bytes(map(itemgetter(0), paths)) == b"/" * n)
        sizes = list(compress(fields, b"\x00" + kinds[:-1].translate(_IS_P)))
        mtimes = list(compress(fields, marked.translate(_IS_M)))
        mtime_lines = marked.replace(b"pdm", b"\x01").replace(b"pd", b"\x00")
    digits = b"".join(mtimes)
    if not kinds_ok or not b"".join(sizes).isdigit() or (mtimes and not digits.isdigit()):
        raise Unsupported("malformed or unusual lines")
    new = [] if cutoff_int is None else _new_lines(mtimes, len(digits), mtime_lines, cutoff_int)
    offsets = None
    if want_offsets:
        offsets = _offsets(base, fields, paths, sizes, mtimes, mtime_lines, kinds)
    return Block(paths, sizes, new, offsets)


def _new_lines(mtimes: list, n_digits: int, mtime_lines, cutoff_int: int) -> list:
    """Indices of lines whose mtime is after the cutoff (an integer mtime m is newer than
    the float cutoff c exactly when m > floor(c))."""
    if not mtimes:
        return []
    width = len(str(cutoff_int))
    if n_digits == width * len(mtimes) and min(map(len, mtimes)) == width:
        # same-width digit strings compare like the numbers they are
        flags = map(str(cutoff_int).encode().__lt__, mtimes)
    else:
        flags = map(cutoff_int.__lt__, map(int, mtimes))
    which = list(compress(range(len(mtimes)), flags))
    if which and mtime_lines is not None:
        lines = list(compress(range(len(mtime_lines)), mtime_lines))
        which = [lines[i] for i in which]
    return which


def _offsets(base, fields, paths, sizes, mtimes, mtime_lines, kinds) -> list:
    """Byte offset of every line (each field is followed by exactly one separator)."""
    if kinds is None:
        cols = [paths, sizes] + ([mtimes] if mtime_lines is None else [])
        lengths = map(len, paths)
        for col in cols[1:]:
            lengths = map(add, lengths, map(len, col))
        lengths = map(add, lengths, repeat(len(cols)))
        return list(accumulate(lengths, initial=base))[:-1]
    is_path = kinds.translate(_IS_P)
    before = compress(accumulate(map(len, fields), initial=base), is_path)  # + one separator
    return list(map(add, before, compress(range(len(fields)), is_path)))  # per field before


# -------------------------------------------------------------------------------- joining
def diff(inventory_path: str, listing_path: str, top_dirs, ignore, cutoff: float) -> DumpDiff:
    cutoff_int = math.floor(cutoff)
    tops = [(_norm_top(t), t) for t in top_dirs]
    timings = {}
    t0 = time.monotonic()
    with _inventory_blocks(inventory_path, tops) as inventory:
        unlisted: list[str] = []
        listing, news, evidence, n_list, list_bytes = _read_listing(listing_path, unlisted,
                                                                    cutoff_int)
        timings["listing"] = time.monotonic() - t0
        t0 = time.monotonic()
        missing, mismatch, n_inv, inv_totals = _match_inventory(inventory, listing,
                                                                inventory_path, cutoff, tops)
    timings["inventory"] = time.monotonic() - t0

    t0 = time.monotonic()
    orphans = _unmatched(listing_path, listing, cutoff)
    del listing
    mismatch = _verify_mismatches(listing_path, mismatch)
    findings = _apply_rules(tops, ignore, unlisted, missing, orphans, mismatch, news, evidence,
                            listing_path, cutoff)
    timings["compare"] = time.monotonic() - t0
    inv_files = sum(f for f, _b in inv_totals)
    inv_bytes = sum(b for _f, b in inv_totals)
    return DumpDiff(findings, n_list, list_bytes, inv_files, inv_bytes, timings)


def _read_listing(path, unlisted, cutoff_int):
    """The listing as ``hash(path) -> offset << 48 | size << 1 | new``; the new lines' paths;
    directories shown to hold an old file (an old neighbour of a new line)."""
    table: dict[int, int] = {}
    news: list[bytes] = []
    evidence: set[bytes] = set()
    n_lines = total = 0
    for base, chunk in _blocks(path, unlisted):
        b = _parse(chunk, base, cutoff_int, want_offsets=True)
        sizes = list(map(int, b.sizes))
        if sizes and max(sizes) >= 1 << (SIZE_BITS - 1):
            raise Unsupported("file sizes beyond 2**46")
        values = list(map(or_, map(lshift, b.offsets, repeat(SIZE_BITS + 1)),
                          map(lshift, sizes, repeat(1))))
        new = set(b.new)
        for i in b.new:
            values[i] |= 1
            _neighbour_evidence(b.paths, i, new, news, evidence)
        table.update(zip(map(hash, b.paths), values))
        n_lines += len(sizes)
        total += sum(sizes)
    if len(table) != n_lines:
        raise Unsupported("duplicate paths (or a path hash collision) in the listing")
    return table, news, evidence, n_lines, total


def _neighbour_evidence(paths, i, new, news, evidence):
    """Record new line i; if an old line near it is in the same directory (past any other
    new lines of that directory, as a sorted or directory-grouped listing has them), that
    directory (and every parent) holds an old remote file."""
    path = paths[i]
    news.append(path)
    directory = path.rpartition(b"/")[0]
    if directory in evidence:
        return
    prefix = directory + b"/"
    for step in (-1, 1):
        j = i + step
        while 0 <= j < len(paths) and paths[j].startswith(prefix):
            if j not in new:
                evidence.add(directory)
                return
            j += step


# The inventory is parsed into arrays (hash, size, offset per line, per-top totals) by a
# forked process while this one reads the listing: the two halves of the per-line work run
# on two cores. Fork keeps the hash() secret, so both processes hash paths alike. Blocks
# are claimed from a shared counter: once the listing is read this process parses the
# blocks the worker has not reached yet, matching the worker's blocks in between.
PARALLEL_BYTES = 64 << 20  # smaller inventories are parsed in this process


def _block_bounds(path: str) -> list[tuple[int, int]]:
    """(start, end) offsets of blocks of whole lines, about BLOCK bytes each."""
    if path.endswith((".gz", ".bz2")):
        raise Unsupported("compressed dump")
    bounds, start = [], 0
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            while start < size:
                fh.seek(min(start + BLOCK, size) - 1)
                fh.readline()
                bounds.append((start, fh.tell()))
                start = fh.tell()
    except OSError:
        raise Unsupported("cannot read the inventory") from None
    return bounds


def _inventory_block(fd: int, bounds, k: int, tops):
    """Block ``k`` as (hashes, sizes, offsets, per-top totals), or None if only comments."""
    start, end = bounds[k]
    chunk = os.pread(fd, end - start, start)
    if not chunk.endswith(b"\n"):
        chunk += b"\n"
    if k == 0:
        skip = _comments(chunk, None)
        start, chunk = start + skip, chunk[skip:]
        if not chunk:
            return None
    b = _parse(chunk, start, None, want_offsets=True)  # candidates' mtimes are read later
    sizes = array("q", map(int, b.sizes))
    if sizes and max(sizes) >= 1 << (SIZE_BITS - 1):
        raise Unsupported("file sizes beyond 2**46")
    totals = []
    for top, _given in tops:
        if top == "/":
            totals.append((len(sizes), sum(sizes)))
        else:
            inside = list(map(bytes.startswith, b.paths, repeat(top.encode() + b"/")))
            totals.append((sum(inside), sum(compress(sizes, inside))))
    return array("q", map(hash, b.paths)), sizes, array("q", b.offsets), totals


def _claim(counter, n: int) -> int | None:
    with counter.get_lock():
        k = counter.value
        counter.value = k + 1
    return k if k < n else None


class _Counter:
    """The shared block counter when no worker shares it."""

    value = 0

    def get_lock(self):
        return contextlib.nullcontext()


def _inventory_worker(conn, path: str, bounds, counter, tops) -> None:
    try:
        with _opened(path) as fd:
            while (k := _claim(counter, len(bounds))) is not None:
                block = _inventory_block(fd, bounds, k, tops)
                if block is not None:
                    conn.send(block)
        conn.send(None)
    except Unsupported as why:
        conn.send(str(why))
    except BaseException as exc:  # the tree comparison will meet it again and report it
        conn.send(f"inventory parser failed: {exc!r}")
    finally:
        conn.close()


@contextlib.contextmanager
def _inventory_blocks(path: str, tops):
    """An iterable of the inventory's blocks as arrays, parsed partly in a forked process
    when the dump is large; iterate it once the listing is read."""
    bounds = _block_bounds(path)

    def own_blocks(counter):
        with _opened(path) as fd:
            while (k := _claim(counter, len(bounds))) is not None:
                block = _inventory_block(fd, bounds, k, tops)
                if block is not None:
                    yield block

    if sum(e - s for s, e in bounds) <= PARALLEL_BYTES or \
            "fork" not in multiprocessing.get_all_start_methods():
        yield own_blocks(_Counter())
        return
    ctx = multiprocessing.get_context("fork")
    counter = ctx.Value("q", 0)
    receive, send = ctx.Pipe(duplex=False)
    worker = ctx.Process(target=_inventory_worker, args=(send, path, bounds, counter, tops),
                         daemon=True)
    worker.start()
    send.close()
    received: queue.SimpleQueue = queue.SimpleQueue()
    # Drain the pipe as blocks come, so the worker never waits for this process.
    drain = threading.Thread(target=_drain, args=(receive, received), daemon=True)
    drain.start()

    finished = []

    def arrived(wait: bool):
        """The worker's blocks received so far (all of them, if ``wait``)."""
        while not finished:
            try:
                item = received.get(block=wait)
            except queue.Empty:
                return
            if isinstance(item, tuple):
                yield item
            elif item is None:
                finished.append(True)
            else:
                raise Unsupported(item)

    def blocks():
        for block in own_blocks(counter):
            yield from arrived(wait=False)
            yield block
        yield from arrived(wait=True)

    try:
        yield blocks()
    finally:
        if worker.is_alive():
            worker.kill()
        worker.join()
        receive.close()


def _drain(conn, out) -> None:
    try:
        while True:
            item = conn.recv()
            out.put(item)
            if not isinstance(item, tuple):
                return
    except (EOFError, OSError):
        out.put("inventory parser exited early")


def _match_inventory(blocks, listing, path, cutoff, tops):
    """Match every inventory line against the listing, taking matched entries out of it.
    Return the inventory-side candidates (missing, mismatch) with their text, the line
    count and per-top totals."""
    pending = []  # (offset, listing value, size, hash) of lines that do not match exactly
    matched = array("q")  # hashes taken out of the listing, to tell a duplicate later
    totals = [[0, 0] for _ in tops]
    n_lines = 0
    take = listing.pop  # one lookup per line; what stays in the listing is unmatched
    for hashes, sizes, offsets, block_totals in blocks:
        got = list(map(take, hashes, repeat(ABSENT)))
        differ = compress(range(len(sizes)), map(ne, map(and_, got, repeat(MASK)),
                                                 map(lshift, sizes, repeat(1))))
        pending += [(offsets[i], got[i], sizes[i], hashes[i]) for i in differ]
        matched.extend(compress(hashes, map(ne, got, repeat(ABSENT))))
        n_lines += len(sizes)
        for k, (files, size) in enumerate(block_totals):
            totals[k][0] += files
            totals[k][1] += size
    _no_duplicates([h for _o, got, _s, h in pending if got == ABSENT], matched)
    missing, mismatch = [], []
    with _opened(path) as fd:
        for offset, got, size, hashed in pending:
            lfn, line_size, mtime = _read_line(fd, offset)
            if line_size != size or hash(lfn) != hashed:
                raise Unsupported("inventory changed while being read")
            if mtime is not None and float(mtime) > cutoff:
                continue  # a new inventory entry is never reported
            if got == ABSENT:
                missing.append((lfn, size))
                continue
            remote_size = (got >> 1) & ((1 << SIZE_BITS) - 1)
            if not got & 1 and remote_size != size:
                mismatch.append((lfn, size, remote_size, got >> (SIZE_BITS + 1)))
    return missing, mismatch, n_lines, totals


def _no_duplicates(absent: list, matched: array) -> None:
    """A path seen twice in the inventory is absent from the listing the second time: it
    is a duplicate if it was absent twice, or taken out of the listing before."""
    wanted = set(absent)
    if len(wanted) != len(absent) or any(map(wanted.__contains__, matched)):
        raise Unsupported("duplicate paths in the inventory")


def _read_line(fd: int, offset: int) -> tuple[bytes, int, bytes | None]:
    """The line at ``offset``, read with pread (an mmap would count the whole file as
    resident memory once enough of its pages were touched)."""
    size, data = 512, b""
    while b"\n" not in data:
        data = os.pread(fd, size, offset)
        if len(data) < size:
            break
        size *= 4
    fields = data.partition(b"\n")[0].split()
    return fields[0], int(fields[1]), (fields[2] if len(fields) > 2 else None)


@contextlib.contextmanager
def _opened(path: str):
    fd = os.open(path, os.O_RDONLY)
    try:
        yield fd
    finally:
        os.close(fd)


def _unmatched(path, listing, cutoff) -> list[tuple[bytes, int]]:
    """Old listing lines the inventory never matched: the orphan candidates, with text."""
    offsets = sorted(v >> (SIZE_BITS + 1) for v in listing.values() if not v & 1)
    out = []
    with _opened(path) as mm:
        for offset in offsets:
            lfn, size, mtime = _read_line(mm, offset)
            if mtime is not None and float(mtime) > cutoff:
                raise Unsupported("listing line changed while being read")
            out.append((lfn, size))
    return out


def _verify_mismatches(path, mismatch):
    """A path hash matched the listing at another size: check it is the same path."""
    out = []
    if not mismatch:
        return out
    with _opened(path) as mm:
        for lfn, isize, rsize, offset in mismatch:
            other, size, _mtime = _read_line(mm, offset)
            if other != lfn or size != rsize:
                raise Unsupported("a path hash shared by two paths")
            out.append((lfn, isize, rsize))
    return out


# ---------------------------------------------------------------------------------- rules
def _norm_top(top: str) -> str:
    if not top.startswith("/") or "//" in top:
        raise Unsupported(f"unusual top directory {top!r}")
    return top.rstrip("/") or "/"


def _under(path: str, directory: str) -> bool:
    return directory == "/" or path.startswith(directory + "/")


def _parents(directory: str):
    """``directory`` and every parent up to ``/``."""
    while True:
        yield directory
        if directory == "/":
            return
        directory = directory.rpartition("/")[0] or "/"


def _apply_rules(tops, ignore, unlisted, missing, orphans, mismatch, news, evidence,
                 listing_path: str, cutoff: float) -> Findings:
    marks = set()
    for u in unlisted:
        if not u.startswith("/") or "//" in u:
            raise Unsupported(f"unusual unlisted mark {u!r}")
        marks.add(u.rstrip("/") or "/")
    dec = bytes.decode
    new_dirs: set[str] = set()  # every directory holding a new remote file at any depth
    for p in news:
        new_dirs.update(_parents(dec(p).rpartition("/")[0] or "/"))
    old_dirs: set[str] = set()  # directories shown to hold an old remote file at any depth
    for d in evidence:
        old_dirs.update(_parents(dec(d) or "/"))
    for lfn, _size in orphans:
        old_dirs.update(_parents(dec(lfn).rpartition("/")[0] or "/"))
    for lfn, _i, _r in mismatch:
        old_dirs.update(_parents(dec(lfn).rpartition("/")[0] or "/"))
    only_new = _settle_new_dirs(tops, marks, missing, new_dirs, old_dirs, listing_path, cutoff)

    out_missing, out_orphan, out_mismatch, out_unlisted = [], [], [], []
    for top, given in tops:
        below = [u for u in marks if _under(u, top) or u == top]
        stops = [u for u in below if not any(v != u and _under(u, v) for v in below)]
        out_unlisted += [given if u == top else u for u in stops]

        def blocked(lfn: str) -> bool:
            return any(_under(lfn, u) for u in stops)

        for lfn, size in missing:
            s = dec(lfn)
            if _under(s, top) and not blocked(s) and \
                    not _only_new(s, top, new_dirs, old_dirs, only_new, below):
                out_missing.append((s, size))
        for lfn, size in orphans:
            s = dec(lfn)
            if _under(s, top) and not blocked(s) and not any(p in s for p in ignore):
                out_orphan.append((s, size))
        for lfn, isize, rsize in mismatch:
            s = dec(lfn)
            if _under(s, top) and not blocked(s):
                out_mismatch.append((s, isize, rsize))
    return Findings(missing=sorted(out_missing), orphan=sorted(out_orphan),
                    size_mismatch=sorted(out_mismatch), unlisted=sorted(out_unlisted),
                    empty_dirs=[])  # a flat dump never has a directory without files


def _only_new(lfn: str, top: str, new_dirs: set, old_dirs: set, only_new: set,
              marks) -> bool:
    """Whether the walk stops above ``lfn`` at a remote directory holding only new entries.

    That can only be the deepest directory between ``top`` and the file's own directory
    that holds a new remote file; it stops the walk unless it also holds an old file or an
    unlisted directory.
    """
    deepest = _deepest_new(lfn, top, new_dirs)
    if deepest is None:
        return False
    if deepest in old_dirs or any(_under(u, deepest) or u == deepest for u in marks):
        return False
    if deepest in only_new:
        return True
    raise Unsupported(f"cannot tell whether {deepest} holds only new remote entries")


def _deepest_new(lfn: str, top: str, new_dirs: set) -> str | None:
    for d in _parents(lfn.rpartition("/")[0] or "/"):
        if d in new_dirs:
            return d
        if d == top:
            return None
    return None


MAX_SCANNED_DIRS = 8  # more undecided directories than this: compare with trees


def _settle_new_dirs(tops, marks, missing, new_dirs, old_dirs, listing_path, cutoff) -> set:
    """The directories the rules must know about (the deepest one holding a new remote
    file above a missing candidate) that neither an old neighbour nor a candidate showed to
    hold an old file: read the listing again for them; return those holding only new ones."""
    undecided = set()
    for top, _given in tops:
        below = [u for u in marks if _under(u, top) or u == top]
        for lfn, _size in missing:
            s = lfn.decode()
            if not _under(s, top) or any(_under(s, u) for u in below):
                continue
            d = _deepest_new(s, top, new_dirs)
            if d is not None and d not in old_dirs and \
                    not any(_under(u, d) or u == d for u in below):
                undecided.add(d)
    if not undecided:
        return set()
    if len(undecided) > MAX_SCANNED_DIRS:
        raise Unsupported(f"{len(undecided)} directories may hold only new remote entries")
    found = _dirs_with_old_lines(listing_path, undecided, cutoff)
    old_dirs.update(found)
    return undecided - found


def _dirs_with_old_lines(path: str, dirs: set, cutoff: float) -> set:
    """Those of ``dirs`` below which the listing has an old line (C-level search for the
    lines starting with each directory; the listing was checked canonical already)."""
    needles = {d: b"\n" + (b"" if d == "/" else d.encode()) + b"/" for d in dirs}
    found = set()
    for _base, chunk in _blocks(path, None):
        data = b"\n" + chunk
        for d, needle in needles.items():
            pos = -1 if d in found else data.find(needle)
            while pos >= 0:
                end = data.index(b"\n", pos + 1)
                fields = data[pos + 1:end].split()
                if len(fields) < 3 or float(fields[2]) <= cutoff:
                    found.add(d)
                    break
                pos = data.find(needle, end)
        if len(found) == len(needles):
            break
    return found
