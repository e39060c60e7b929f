"""Start-up probe: which doors answer, and do they agree on the top directories?

Every door is asked for every top directory at once (with stat). A door that
cannot answer is dropped; if none can, or no top directory exists, the run stops with one
line before anything is listed or written: listing a wrong path prefix would otherwise
report the whole catalog missing. Some top directories missing is not that: the walk
reports each of them unlisted (reason not_found) and checks the others. A door whose answer differs from the first
door (names, types and mtimes of the entries) serves another namespace and is dropped with a
warning: spreading requests over it would invent missing files and orphans. (On a live site
an entry may change between two probes a few milliseconds apart; that only drops a door.)
"""
from __future__ import annotations

import logging
import threading

from XRootD.client.flags import DirListFlags, StatInfoFlags

from consistency_core import ConsistencyError, ErrorKind

from . import status

# A top directory the door says does not exist: the walk reports it unlisted (not_found)
# and checks the others. Only when none exists is the url's path prefix taken to be wrong.
NOT_FOUND = "not found"
log = logging.getLogger("consistency.xrootd")


def _entries(response) -> list[tuple]:
    out = []
    for e in response["dirlist"]:
        info = e["statinfo"] or {}
        out.append((e["name"], bool(info.get("flags", 0) & StatInfoFlags.IS_DIR),
                    info.get("mtime")))
    return sorted(out)


def _ask_all(doors, tops, timeout: int) -> dict:
    """{(door, top): (status, entries or None)} from concurrent dirlist requests."""
    answers: dict = {}
    lock = threading.Lock()
    everything = threading.Event()
    total = len(doors) * len(tops)

    for door in doors:
        for top in tops:
            def answered(st, response=None, *_h, key=(door, top)):
                try:
                    names = _entries(response) if st.get("ok") and response else None
                except Exception as exc:  # never let an exception die inside XrdCl's thread
                    st, names = {"message": f"unreadable answer: {exc!r}"}, None
                with lock:
                    answers[key] = (st, names)
                    if len(answers) == total:
                        everything.set()

            sent = door.client.dirlist(door.url.path(top), DirListFlags.STAT, timeout, answered)
            if not sent.get("ok"):
                answered(sent)
    everything.wait(timeout + 5)
    return answers


def probe_doors(doors, tops, timeout: int, where: str) -> list:
    """The doors that list every top directory the same way; ConsistencyError if none."""
    answers = _ask_all(list(doors), list(tops), timeout)
    alive, errors, reference = [], [], None
    for door in doors:
        names, failed, absent = {}, None, []
        for top in tops:
            st, names[top] = answers.get((door, top), ({"message": "no answer"}, None))
            if names[top] is None and "code" in st and status.classify(st) is ErrorKind.NOT_FOUND:
                absent.append(f"{door.url}: {top}: {status.message(st)}")
                names[top] = NOT_FOUND
            elif names[top] is None:
                failed = f"{door.url}: {top}: {status.message(st)}"
                break
        if failed is None and absent and len(absent) == len(tops):
            failed = absent[0] + (" (wrong path prefix in url? or a redirector, which lists "
                                  "only with locate = true?)")
        if failed is None and reference is not None and names != reference[1]:
            failed = f"{door.url} lists the top directories differently from {reference[0].url}"
        if failed:
            errors.append(failed)
            continue
        reference = reference or (door, names)
        alive.append(door)
    if not alive:
        raise ConsistencyError(f"{where}: no door answers: {'; '.join(errors)}")
    for error in errors:
        log.warning("door not used: %s", error)
    return alive
