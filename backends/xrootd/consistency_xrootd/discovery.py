"""Find the data servers behind a redirector with ``deeplocate``.

Only for sites whose servers all see the whole namespace (a shared file system behind
several gateways): every server found becomes a door and lists any directory. The start-up
probe then drops a server whose top directories differ.
"""
from __future__ import annotations

import threading

from consistency_core import ConsistencyError

from . import status
from .siteurl import parse

SERVER_ONLINE = 2  # LocationType.ServerOnline
SERVER_PENDING = 3


def locate_servers(door, lfn: str, timeout: int, where: str) -> list:
    box: list = []
    ready = threading.Event()

    def answered(st, response=None, *_h):
        box.append((st, response))
        ready.set()

    sent = door.client.deeplocate(door.url.path(lfn), 0, timeout, answered)
    if not sent.get("ok"):
        answered(sent)
    if not ready.wait(timeout + 5):
        raise ConsistencyError(f"{where}: locate {lfn} at {door.url}: no answer in {timeout}s")
    st, locations = box[0]
    if not st.get("ok"):
        raise ConsistencyError(f"{where}: locate {lfn} at {door.url}: {status.message(st)}")
    urls = []
    for loc in locations or []:
        if loc.get("type") in (SERVER_ONLINE, SERVER_PENDING) or loc.get("is_server"):
            url = parse(f"root://{loc['address']}", f"{where}: located server",
                        default_prefix=door.url.prefix)
            if url not in urls:
                urls.append(url)
    if not urls:
        raise ConsistencyError(f"{where}: locate {lfn} at {door.url} found no data server")
    return urls
