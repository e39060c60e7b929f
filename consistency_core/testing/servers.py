"""Real test services on 127.0.0.1: Debian's xrootd (root:// + XrdHttp), a private MariaDB and
a latency-injecting XRootD proxy. Used through the fixtures in ``consistency_core.testing.plugin``;
each class can also be used on its own (``with XrootdServer(data_dir) as srv: ...``).

Nothing here is a mock: every object wraps a real process that the test suite owns. Each
service listens on a free port picked at start and lives in its own temporary directory.
"""
from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SLOWPROXY = Path(__file__).with_name("slowproxy.py")
XROOTD_USER = "xrootd"

# Client-side settings from shared/ENVIRONMENT.md: a lost DNS reply stalls each XrdCl start
# 5 s unless RES_OPTIONS shortens it; XrdCl checks timeouts only every XRD_TIMEOUTRESOLUTION s
# (default 15); a dead server makes XrdCl wait out a 120 s connection window.
CLIENT_ENV = {
    "RES_OPTIONS": "timeout:1 attempts:1",
    "XRD_TIMEOUTRESOLUTION": "1",
    "XRD_CONNECTIONWINDOW": "1",
    "XRD_CONNECTIONRETRY": "1",
    "XRD_REQUESTTIMEOUT": "5",
    "GFAL_PYTHONBIN": "/usr/bin/python3",  # gfal-* command line tools under a non-Debian python
}


def client_env(**extra: str) -> dict[str, str]:
    """os.environ plus CLIENT_ENV (plus ``extra``), for spawning xrdfs / gfal-ls."""
    return {**os.environ, **CLIENT_ENV, **{k: str(v) for k, v in extra.items()}}


def free_port(exclude: tuple[int, ...] = ()) -> int:
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in exclude:
            return port


def _port_open(port: int, timeout: float = 0.2) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


def xrootd_handshake(port: int, timeout: float = 1.0) -> bool:
    """True when an XRootD server answers the initial handshake on 127.0.0.1:port.

    A protocol-level probe done in-process: no xrdfs start-up (and its DNS stall) per poll."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.settimeout(timeout)
            s.sendall(struct.pack(">iiiii", 0, 0, 0, 4, 2012))
            data = b""
            while len(data) < 16:
                chunk = s.recv(16 - len(data))
                if not chunk:
                    return False
                data += chunk
            _streamid, status, dlen = struct.unpack(">HHi", data[:8])
            return status == 0 and dlen == 8
    except OSError:
        return False


def http_probe(port: int, timeout: float = 1.0) -> bool:
    """True when something answers an HTTP request on 127.0.0.1:port with a status line."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.settimeout(timeout)
            s.sendall(b"HEAD / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            return s.recv(64).startswith(b"HTTP/")
    except OSError:
        return False


def _terminate(proc: subprocess.Popen | None, timeout: float = 5.0) -> None:
    if proc is None or proc.poll() is not None:
        return
    try:
        proc.send_signal(signal.SIGCONT)  # a paused process cannot handle SIGTERM
        proc.terminate()
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout)
    except ProcessLookupError:
        pass


def _thread_states(pid: int) -> list[str]:
    states = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            states.append(task.joinpath("stat").read_text().rpartition(")")[2].split()[0])
        except (OSError, IndexError):
            pass
    return states


def _wait_stopped(pid: int, stopped: bool, timeout: float = 5.0) -> None:
    """Wait until all threads of pid are stopped (state T) or none is."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        states = _thread_states(pid)
        if stopped == bool(states and all(s in "Tt" for s in states)) or not states:
            return
        time.sleep(0.01)
    raise RuntimeError(f"pid {pid}: threads not {'stopped' if stopped else 'running'}: {states}")


def ensure_user(name: str = XROOTD_USER) -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell",
                        "/usr/sbin/nologin", name], check=True)
        return pwd.getpwnam(name)


def _tail(path: Path, n: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return f"({path} not readable)"


# ------------------------------------------------------------------------------------ common
class _Service:
    """A server process owning ``base_dir``: ``with Service(...) as srv`` starts it, and
    ``close()`` stops it and removes base_dir (and so a default data dir inside it)."""

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.base_dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()


# ------------------------------------------------------------------------------------- xrootd
class XrootdServer(_Service):
    """Debian's xrootd serving ``data_dir`` (oss.localroot) as user xrootd, root:// on
    ``port`` and HTTP/WebDAV (XrdHttp) on ``http_port`` from the same process.

    The LFN ``/a/b`` is the file ``data_dir/a/b``; its URL is ``url + "//a/b"`` (root://) or
    ``http_url + "/a/b"``. Files the test adds later as root stay readable as long as they are
    world-readable (the default umask); ``chmod 000`` on a directory really denies listing,
    because the server is not root.
    """

    def __init__(self, data_dir: str | os.PathLike | None = None, *, http: bool = True,
                 base_dir: str | os.PathLike | None = None):
        # own short base dir: unix sockets under adminpath must fit in 108 bytes
        self.base_dir = Path(base_dir) if base_dir else Path(tempfile.mkdtemp(prefix="xrd-"))
        self.data_dir = Path(data_dir).resolve() if data_dir else self.base_dir / "data"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.http = http
        self.port = 0
        self.http_port = 0
        self.proc: subprocess.Popen | None = None

    # -- addresses
    @property
    def url(self) -> str:
        return f"root://127.0.0.1:{self.port}"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}" if self.http else ""

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    @property
    def log_file(self) -> Path:
        return self.base_dir / "log" / "xrootd.log"

    def lfn_url(self, lfn: str) -> str:
        return f"{self.url}/{lfn if lfn.startswith('/') else '/' + lfn}"

    # -- lifecycle
    def start(self, timeout: float = 20.0) -> "XrootdServer":
        """Start on the ports already chosen (restart) or on new free ports (first start)."""
        if self.proc and self.proc.poll() is None:
            return self
        first = self.port == 0
        for attempt in range(3):
            if first:
                self.port = free_port()
                self.http_port = free_port(exclude=(self.port,)) if self.http else 0
            try:
                self._spawn(timeout)
                return self
            except RuntimeError:
                if not first or attempt == 2:
                    raise
                # most likely a port taken between free_port() and bind: try other ports
        return self

    def _prepare(self) -> None:
        user = ensure_user()
        base = self.base_dir
        for sub in ("admin", "run"):  # runtime only; stale sockets break a restart
            shutil.rmtree(base / sub, ignore_errors=True)
        for sub in ("admin", "run", "log"):
            (base / sub).mkdir(parents=True, exist_ok=True)
        cfg = [
            "all.export /",
            f"oss.localroot {self.data_dir}",
            f"all.adminpath {base / 'admin'}",
            f"all.pidpath {base / 'run'}",
            f"xrd.port {self.port}",
            "xrd.allow host localhost",
            "xrd.allow host [::1]",
        ]
        if self.http:
            cfg.append(f"xrd.protocol XrdHttp:{self.http_port} libXrdHttp.so")
        (base / "xrootd.cfg").write_text("\n".join(cfg) + "\n")
        for p in [base, *(base / s for s in ("admin", "run", "log"))]:
            os.chown(p, user.pw_uid, user.pw_gid)
        # the served tree must be readable by the server user
        subprocess.run(["chown", "-R", f"{user.pw_uid}:{user.pw_gid}", str(self.data_dir)],
                       check=True)
        self._open_ancestors(user)

    def _open_ancestors(self, user: pwd.struct_passwd) -> None:
        """Give 'others' search (x, not read) permission on ancestors of data_dir that lack it
        (pytest's tmp dirs are 0700): the server user must reach its localroot. Not undone on
        close: another server may still need it (pytest makes its base dir private again at
        the next session)."""
        p = self.data_dir.parent
        while p != p.parent:
            st = p.stat()
            if st.st_uid != user.pw_uid and not st.st_mode & 0o001:
                os.chmod(p, (st.st_mode & 0o7777) | 0o001)
            p = p.parent

    def _spawn(self, timeout: float) -> None:
        self._prepare()
        out = open(self.base_dir / "log" / "stdout.txt", "ab")
        self.proc = subprocess.Popen(
            ["xrootd", "-c", str(self.base_dir / "xrootd.cfg"), "-l", str(self.log_file),
             "-R", XROOTD_USER],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env=client_env(), start_new_session=True)
        out.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            if xrootd_handshake(self.port, 0.5) and (not self.http or http_probe(self.http_port, 0.5)):
                return
            time.sleep(0.05)
        msg = (f"xrootd on port {self.port} (http {self.http_port}) did not come up "
               f"(exit code {self.proc.poll()}):\n{_tail(self.log_file)}\n"
               f"{_tail(self.base_dir / 'log' / 'stdout.txt', 10)}")
        _terminate(self.proc)
        self.proc = None
        raise RuntimeError(msg)

    def stop(self) -> None:
        """Graceful stop (SIGTERM; SIGKILL after 5 s). Resumes a paused server first."""
        _terminate(self.proc)

    def kill(self) -> None:
        """SIGKILL: the server vanishes without a goodbye."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)

    def restart(self, timeout: float = 20.0) -> "XrootdServer":
        """Stop (if running) and start again on the same ports."""
        self.stop()
        return self.start(timeout)

    def pause(self) -> None:
        """SIGSTOP: connections stay open but nothing is answered (a hung server). Returns
        once every thread is stopped (signal delivery is asynchronous)."""
        assert self.proc and self.proc.poll() is None, "xrootd is not running"
        self.proc.send_signal(signal.SIGSTOP)
        _wait_stopped(self.proc.pid, True)

    def resume(self) -> None:
        assert self.proc and self.proc.poll() is None, "xrootd is not running"
        self.proc.send_signal(signal.SIGCONT)
        _wait_stopped(self.proc.pid, False)

    @property
    def running(self) -> bool:
        return bool(self.proc and self.proc.poll() is None)

    def xrdfs(self, *args: str, timeout: float = 60, check: bool = True) -> subprocess.CompletedProcess:
        """Run ``xrdfs 127.0.0.1:PORT ARGS...`` with the fast-failing client environment."""
        return subprocess.run(["xrdfs", f"127.0.0.1:{self.port}", *args], env=client_env(),
                              capture_output=True, text=True, timeout=timeout, check=check)


    def __repr__(self):
        return f"<XrootdServer {self.url} http={self.http_url or '-'} data={self.data_dir} pid={self.pid}>"


# ------------------------------------------------------------------------------------ mariadb
class MariaDBServer(_Service):
    """A private mariadbd (own datadir, socket and port; ignores /etc/mysql) with one database
    and one password user that may connect over TCP from 127.0.0.1."""

    def __init__(self, base_dir: str | os.PathLike | None = None, *, database: str = "testdb",
                 user: str = "testuser", password: str = "testpw"):
        self.base_dir = Path(base_dir) if base_dir else Path(tempfile.mkdtemp(prefix="mdb-"))
        self.host = "127.0.0.1"
        self.port = 0
        self.database = database
        self.user = user
        self.password = password
        self.proc: subprocess.Popen | None = None

    @property
    def socket(self) -> str:
        return str(self.base_dir / "mysqld.sock")

    @property
    def datadir(self) -> Path:
        return self.base_dir / "data"

    @property
    def url(self) -> str:
        return f"mysql://{self.user}@{self.host}:{self.port}/{self.database}"

    @property
    def url_with_password(self) -> str:
        return f"mysql://{self.user}:{self.password}@{self.host}:{self.port}/{self.database}"

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    @property
    def running(self) -> bool:
        return bool(self.proc and self.proc.poll() is None)

    def start(self, timeout: float = 60.0) -> "MariaDBServer":
        """Start (first time: initialise the datadir and create database + user). After kill()
        or stop() it comes back on the same port with the same data."""
        if self.running:
            return self
        fresh = not (self.datadir / "mysql").is_dir()
        if fresh:
            (self.base_dir / "tmp").mkdir(parents=True, exist_ok=True)
            res = subprocess.run(
                ["mariadb-install-db", "--no-defaults", f"--datadir={self.datadir}", "--user=root",
                 "--auth-root-authentication-method=socket", "--skip-test-db",
                 f"--tmpdir={self.base_dir / 'tmp'}"],  # /tmp is shared: parallel runs collide
                capture_output=True, text=True)
            if res.returncode:
                raise RuntimeError(f"mariadb-install-db failed:\n{res.stdout}\n{res.stderr}")
        first = self.port == 0
        for attempt in range(3):
            if first:
                self.port = free_port()
            try:
                self._spawn(timeout)
                break
            except RuntimeError:
                if not first or attempt == 2:
                    raise
        if fresh:
            self.root_sql(
                f"CREATE DATABASE IF NOT EXISTS `{self.database}`;"
                f"CREATE USER IF NOT EXISTS '{self.user}'@'127.0.0.1' IDENTIFIED BY '{self.password}';"
                f"CREATE USER IF NOT EXISTS '{self.user}'@'localhost' IDENTIFIED BY '{self.password}';"
                f"GRANT ALL PRIVILEGES ON *.* TO '{self.user}'@'127.0.0.1';"
                f"GRANT ALL PRIVILEGES ON *.* TO '{self.user}'@'localhost';")
        return self

    def _spawn(self, timeout: float) -> None:
        log = self.base_dir / "error.log"
        for stale in (self.socket, self.socket + ".lock"):
            if os.path.exists(stale):
                os.unlink(stale)
        self.proc = subprocess.Popen(
            ["mariadbd", "--no-defaults", "--user=root", f"--datadir={self.datadir}",
             f"--tmpdir={self.base_dir / 'tmp'}", f"--socket={self.socket}",
             f"--pid-file={self.base_dir / 'mysqld.pid'}", f"--port={self.port}",
             "--bind-address=127.0.0.1", f"--log-error={log}", "--skip-name-resolve",
             "--skip-log-bin", "--innodb-buffer-pool-size=128M",
             "--innodb-flush-log-at-trx-commit=2", "--character-set-server=utf8mb4",
             "--collation-server=utf8mb4_bin"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
            start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            if os.path.exists(self.socket) and _port_open(self.port):
                return
            time.sleep(0.05)
        code = self.proc.poll()
        _terminate(self.proc)
        self.proc = None
        raise RuntimeError(f"mariadbd on port {self.port} did not come up (exit {code}):\n{_tail(log)}")

    def root_sql(self, sql: str) -> str:
        """Run SQL as the database root user over the unix socket (mariadb client)."""
        res = subprocess.run(["mariadb", "--no-defaults", f"--socket={self.socket}", "-uroot",
                              "-N", "-B", "-e", sql], capture_output=True, text=True, timeout=60)
        if res.returncode:
            raise RuntimeError(f"mariadb -e {sql!r} failed: {res.stderr.strip()}")
        return res.stdout

    def connect(self, **kwargs):
        """A pymysql connection as the test user over TCP (keyword args override)."""
        import pymysql

        params = dict(host=self.host, port=self.port, user=self.user, password=self.password,
                      database=self.database, connect_timeout=5, autocommit=True)
        params.update(kwargs)
        return pymysql.connect(**params)

    def reset_database(self) -> None:
        """Drop and recreate the test database (empty for the next test)."""
        self.root_sql(f"DROP DATABASE IF EXISTS `{self.database}`; CREATE DATABASE `{self.database}`;")

    def kill(self) -> None:
        """SIGKILL mariadbd: the database goes away mid-whatever (start() brings it back)."""
        if self.running:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self) -> None:
        _terminate(self.proc, timeout=30)


    def __repr__(self):
        return f"<MariaDBServer {self.url} socket={self.socket} pid={self.pid}>"


# ------------------------------------------------------------------------- xrootd, variants
class TlsXrootdServer(XrootdServer):
    """An XrootdServer whose XrdHttp port also speaks TLS (https://, davs://), with a
    self-signed certificate for 127.0.0.1 (clients need gfal2's HTTP PLUGIN:INSECURE)."""

    def __init__(self, data_dir, cert_dir: Path):
        super().__init__(data_dir)
        self.cert, self.key = cert_dir / "cert.pem", cert_dir / "key.pem"

    def _prepare(self) -> None:
        super()._prepare()
        cfg = self.base_dir / "xrootd.cfg"
        cfg.write_text(cfg.read_text() + f"xrd.tls {self.cert} {self.key}\nxrd.tlsca noverify\n")

    def https_url(self, scheme: str = "https") -> str:
        return f"{scheme}://127.0.0.1:{self.http_port}"


def self_signed_cert(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-keyout", str(directory / "key.pem"), "-out", str(directory / "cert.pem"),
                    "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True)
    user = ensure_user()  # the server reads them as user xrootd
    for path in (directory, directory / "key.pem", directory / "cert.pem"):
        os.chown(path, user.pw_uid, user.pw_gid)
    os.chmod(directory / "key.pem", 0o600)
    return directory


class XrootdCluster:
    """A real XRootD cluster on 127.0.0.1: a manager (xrootd + cmsd, no data) and ``n`` data
    servers (xrootd + cmsd each) exporting the same ``data_dir``, as user xrootd."""

    def __init__(self, data_dir: Path, n: int = 2):
        self.base = Path(tempfile.mkdtemp(prefix="xrdcl-"))
        self.data_dir = Path(data_dir)
        self.cms_port = free_port()
        self.port = free_port()
        self.server_ports = [free_port() for _ in range(n)]
        self.procs: list[subprocess.Popen] = []

    @property
    def url(self) -> str:
        return f"root://127.0.0.1:{self.port}"

    def _config(self, name: str, role: str, port: int, data: bool) -> Path:
        d = self.base / name
        for sub in ("admin", "run", "log"):
            (d / sub).mkdir(parents=True, exist_ok=True)
        lines = [f"all.role {role}", f"all.manager 127.0.0.1:{self.cms_port}", "all.export /",
                 f"all.adminpath {d / 'admin'}", f"all.pidpath {d / 'run'}", f"xrd.port {port}",
                 "xrd.allow host localhost", "xrd.allow host [::1]",
                 "cms.delay startup 1", "cms.delay servers 1", "cms.delay lookup 1"]
        if data:
            lines.append(f"oss.localroot {self.data_dir}")
        (d / "cfg").write_text("\n".join(lines) + "\n")
        return d

    def _spawn(self, d: Path, program: str) -> None:
        out = open(d / "log" / f"{program}.out", "ab")
        self.procs.append(subprocess.Popen(
            [program, "-n", d.name, "-c", str(d / "cfg"), "-l", str(d / "log" / f"{program}.log"),
             "-R", "xrootd"], stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True))
        out.close()

    def start(self, timeout: float = 30) -> "XrootdCluster":
        ensure_user()
        dirs = [("mgr", "manager", self.port, False)] + [
            (f"srv{i}", "server", p, True) for i, p in enumerate(self.server_ports)]
        made = [self._config(*spec) for spec in dirs]
        subprocess.run(["chown", "-R", "xrootd:xrootd", str(self.base), str(self.data_dir)],
                       check=True)
        os.chmod(self.base, 0o755)
        parent = self.data_dir.parent  # the servers (user xrootd) must reach their localroot
        while parent != parent.parent:
            mode = os.stat(parent).st_mode & 0o7777
            if not mode & 0o001:
                os.chmod(parent, mode | 0o001)
            parent = parent.parent
        for d in made:  # cmsd first: an xrootd that finds no cmsd socket waits a long time
            self._spawn(d, "cmsd")
            time.sleep(0.2)
            self._spawn(d, "xrootd")
        self._wait_for_servers(timeout)
        return self

    def _wait_for_servers(self, timeout: float) -> None:
        from pyxrootd import client

        fs = client.FileSystem(self.url)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            st, found = fs.deeplocate("/", 0, 1)
            if st.get("ok") and found and len(found) == len(self.server_ports):
                return
            time.sleep(0.2)
        self.close()
        raise RuntimeError(f"xrootd cluster did not come up in {timeout}s (logs in {self.base})")

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(self.base, ignore_errors=True)


# --------------------------------------------------------------------------------- slow proxy
class SlowProxy:
    """consistency_core/testing/slowproxy.py in a subprocess: a loopback proxy in front of an xrootd
    port that holds back each kXR_dirlist request ``delay`` seconds (only those whose path
    contains ``match``, when given). Use ``proxy.url`` instead of the server's url."""

    def __init__(self, target_port: int, *, delay: float = 0.005, match: str = ""):
        self.target_port = target_port
        self.delay = delay
        self.match = match
        self.port = 0
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"root://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return bool(self.proc and self.proc.poll() is None)

    def start(self, timeout: float = 10.0) -> "SlowProxy":
        """Start; after stop() it comes back on the same port."""
        if self.running:
            return self
        self.proc = subprocess.Popen(
            [sys.executable, str(SLOWPROXY), "--target", str(self.target_port),
             "--listen", str(self.port), "--match", self.match, "--delay", str(self.delay)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True,
            start_new_session=True)
        line = self.proc.stdout.readline()  # "LISTENING <port> ..." or an error
        if not line.startswith("LISTENING "):
            rest = self.proc.stdout.read() if self.proc.poll() is not None else ""
            _terminate(self.proc)
            raise RuntimeError(f"slow proxy did not start: {line}{rest}")
        self.port = int(line.split()[1])
        deadline = time.monotonic() + timeout
        while not _port_open(self.port) and time.monotonic() < deadline:
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        _terminate(self.proc)
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()

    def restart(self, *, delay: float | None = None, match: str | None = None) -> "SlowProxy":
        """Stop and start on the same port, optionally with a new delay / match."""
        self.stop()
        if delay is not None:
            self.delay = delay
        if match is not None:
            self.match = match
        return self.start()

    close = stop

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def __repr__(self):
        return f"<SlowProxy {self.url} -> :{self.target_port} delay={self.delay} match={self.match!r}>"
