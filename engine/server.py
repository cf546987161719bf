"""A resident rowboat process that commands start from: ``rowboat server start``.

Every ``rowboat run`` spends about 1.5 s before it reads a price: Python, numpy, pandas, pyarrow
and numba load, numba sets up its compiler and loads the kernels from its cache. A server does
that once, runs the sample config's run and sweep to touch every code path, and then waits on a
Unix socket. ``rowboat run|sweep|today|compare`` look for a server of this checkout, these
sources and this environment; when one answers, the command runs in a ``fork()`` of it — with
the caller's arguments, working folder, environment, terminal (its stdin, stdout and stderr are
passed over the socket) and exit code — and starts in a few milliseconds. Signals reach it:
Ctrl-C or ``kill`` of the ``rowboat`` process is forwarded, and the forked run cleans up as any
run does (exit 130 / 143, nothing half-written).

Without a server nothing changes: commands run in their own process. A server is never started
implicitly. It stops after ``--idle`` minutes without a command (30 by default), on
``rowboat server stop``, or when its sources change (a server serves only the sources it loaded:
an edit or a pull changes the socket's name, and commands run by themselves until a new server
is started). ``ROWBOAT_NO_SERVER=1`` makes a command ignore any server.

Which server a command may use: the socket's name is a hash of the checkout, the source hash
(:func:`engine.source_hash`), the Python executable and the environment variables read when
modules load (``NUMBA_*``, ``PYTHON*``, ``ROWBOAT_*``, ``MPL*``, ``OMP_*``, ``LANG``, ``LC_*``,
``TZ``, …): a command whose environment differs there finds no server and runs by itself.

numba's parallel kernels run on its ``workqueue`` threading layer in a server (GNU OpenMP, the
default here, aborts a process forked after it ran a parallel region); the results are the same
bits (tested). The socket lives in ``$ROWBOAT_SERVER_DIR`` or ``<tmp>/rowboat-<uid>/`` (mode
0700). Linux and macOS only (``fork``, Unix sockets).
"""
from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

#: commands that may run in a server (data fetches, benchmarks and the server itself never do)
SERVED = ("run", "sweep", "today", "compare")
#: environment variables read when modules load: a server serves only commands that agree
_IDENTITY_PREFIXES = ("NUMBA_", "PYTHON", "ROWBOAT_", "MPL", "OMP_", "MKL_", "OPENBLAS_",
                      "LC_", "NUMEXPR_", "ARROW_")
_IDENTITY_KEYS = ("LANG", "TZ", "HOME", "VIRTUAL_ENV")
#: set by the server itself (see the module doc), or the switch that ignores servers: not part
#: of a command's identity
_OWN = ("NUMBA_THREADING_LAYER", "ROWBOAT_SERVER_IDLE", "ROWBOAT_NO_SERVER")
_HEADER_MAX = 1 << 20
#: True in a server and in the commands it forks: they never forward to a server
_SERVING = False
ROOT = Path(__file__).resolve().parent.parent


def identity(env: dict[str, str] | os._Environ[str] | None = None) -> str:
    """20 hex digits naming the server a process with ``env`` may use."""
    from engine import loaded_source_hash

    env = os.environ if env is None else env
    keys = sorted(k for k in env if (k.startswith(_IDENTITY_PREFIXES) or k in _IDENTITY_KEYS)
                  and k not in _OWN)
    h = hashlib.sha256()
    parts = (str(ROOT), loaded_source_hash(), sys.executable, *(f"{k}={env[k]}" for k in keys))
    for part in parts:
        h.update(part.encode("utf-8", "surrogateescape") + b"\0")
    return h.hexdigest()[:20]


def folder(env: dict[str, str] | None = None) -> Path:
    """Where the sockets are: ``$ROWBOAT_SERVER_DIR`` or ``<tmp>/rowboat-<uid>``."""
    given = (os.environ if env is None else env).get("ROWBOAT_SERVER_DIR")
    return Path(given) if given else Path(tempfile.gettempdir()) / f"rowboat-{os.getuid()}"


def socket_path(env: dict[str, str] | None = None) -> Path:
    """The socket of the server that a process with ``env`` (default: this one's) may use."""
    return folder(env) / f"{identity(env)}.sock"


# --------------------------------------------------------------------------- the command's side
def _send(conn: socket.socket, message: dict[str, Any], fds: list[int] | None = None) -> None:
    data = json.dumps(message).encode() + b"\n"
    if fds:
        socket.send_fds(conn, [data], fds)
    else:
        conn.sendall(data)


def _lines(conn: socket.socket):
    """The newline-separated JSON messages arriving on ``conn`` (until it closes)."""
    buf = b""
    while True:
        chunk = conn.recv(4096)
        if not chunk:
            return
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            yield json.loads(line)


def _connect(path: Path, timeout: float = 2.0) -> socket.socket | None:
    if not path.exists():
        return None
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.settimeout(timeout)
    try:
        conn.connect(str(path))
    except OSError:            # a socket file left by a server that died: run by ourselves
        conn.close()
        return None
    conn.settimeout(None)
    return conn


def forward(argv: list[str]) -> int | None:
    """Run ``rowboat ARGV`` in this checkout's server and return its exit code; None when there
    is no server for this process (the caller then runs the command itself)."""
    command = next((a for a in argv if not a.startswith("-")), None)
    if (_SERVING or command not in SERVED or os.environ.get("ROWBOAT_NO_SERVER")
            or not hasattr(os, "fork") or not _main_thread()):
        return None
    me = identity()
    conn = _connect(folder() / f"{me}.sock")
    if conn is None:
        return None
    pid: int | None = None
    pending: list[int] = []            # signals that came before the command's pid

    def relay(signum: int, frame: Any) -> None:
        if pid is None:
            pending.append(signum)
            return
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass

    caught = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {s: signal.signal(s, relay) for s in caught}
    refused = False
    try:
        with conn:
            try:
                _send(conn, {"op": "run", "argv": argv, "sys_argv": sys.argv,
                             "cwd": os.getcwd(), "env": dict(os.environ), "identity": me},
                      [0, 1, 2])
            except OSError:            # e.g. a closed stdin cannot be passed: run by ourselves
                refused = True
                return None
            messages = _lines(conn)
            first = next(messages, None)
            if first is None or "pid" not in first:    # refused (or gone): run by ourselves
                refused = True
                return None
            pid = int(first["pid"])
            for signum in pending:
                relay(signum, None)
            for message in messages:
                if "exit" in message:
                    return int(message["exit"])
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if refused:                 # a signal meant for the command: this process takes it
            for signum in pending:
                signal.raise_signal(signum)
    print("rowboat: error: the server's process for this command ended without an exit status "
          "(killed?); run it again, or with ROWBOAT_NO_SERVER=1", file=sys.stderr)
    return 1


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()   # signal handlers need it


def request(op: str, path: Path | None = None) -> dict[str, Any] | None:
    """``status`` or ``stop`` to this environment's server; None when there is none."""
    conn = _connect(path or socket_path())
    if conn is None:
        return None
    with conn:
        _send(conn, {"op": op})
        return next(_lines(conn), None)


# --------------------------------------------------------------------------- the server's side
def warm_up() -> float:
    """Load what commands use and run the sample config's run and sweep once (quietly, into a
    temporary folder): imports, numba's compiler set-up, kernels, first-call paths. Seconds."""
    from contextlib import redirect_stderr, redirect_stdout

    t0 = time.perf_counter()
    from engine import numba_cache
    from engine.cli import main as cli_main

    numba_cache.preload_blas()
    sample = str(ROOT / "scripts" / "configs" / "rowing_boat.toml")
    with tempfile.TemporaryDirectory(prefix="rowboat-server-warm-") as tmp:
        for argv in (["run", sample, "--no-tearsheets", "--quiet", "--out", tmp],
                     ["sweep", sample, "--strategy", "rowing_boat", "--quiet", "--yes",
                      "--out", tmp],
                     ["today", sample]):
            with open(os.devnull, "w") as null, redirect_stdout(null), redirect_stderr(null):
                code = cli_main(argv)
            if code != 0:
                raise RuntimeError(f"warm-up `rowboat {' '.join(argv[:2])}` exited {code}")
    import engine.report.cli_compare  # noqa: F401  (compare's imports)
    return time.perf_counter() - t0


def _stream(fd: int, write: bool) -> Any:
    """A text stream on ``fd`` as Python makes ``sys.std*`` (line-buffered on a terminal)."""
    import io

    tty = os.isatty(fd)
    raw = io.FileIO(fd, "w" if write else "r", closefd=False)
    if not write:
        return io.TextIOWrapper(io.BufferedReader(raw), encoding=sys.stdin.encoding)
    errors = "backslashreplace" if fd == 2 else "strict"
    return io.TextIOWrapper(io.BufferedWriter(raw), encoding=sys.stdout.encoding, errors=errors,
                            line_buffering=tty or fd == 2, write_through=fd == 2)


def _child(conn: socket.socket, listener: socket.socket, message: dict[str, Any],
           fds: list[int]) -> None:
    """In the forked process: become the caller's command, run it, report the exit code."""
    global _SERVING
    _SERVING = True
    code = 1
    try:
        listener.close()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD):
            signal.signal(s, signal.SIG_DFL)
        for target, fd in zip((0, 1, 2), fds):
            os.dup2(fd, target)
            os.close(fd)
        sys.stdin, sys.stdout, sys.stderr = (_stream(0, False), _stream(1, True),
                                             _stream(2, True))
        os.chdir(message["cwd"])
        os.environ.clear()
        os.environ.update(message["env"])
        sys.argv = list(message["sys_argv"])
        _send(conn, {"pid": os.getpid()})
        from engine.cli import main as cli_main

        try:
            code = cli_main(list(message["argv"]))
        except SystemExit as exc:      # argparse (--help, a wrong option)
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            if isinstance(exc.code, str):
                print(exc.code, file=sys.stderr)
        except BaseException:          # a bug: the traceback, as Python would print it
            import traceback

            traceback.print_exc()
            code = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:          # pragma: no cover - a closed terminal
                pass
        try:
            _send(conn, {"exit": int(code)})
        except OSError:                # the command's process is gone
            pass
        os._exit(int(code) & 0xFF)


def serve(path: Path, idle_s: float) -> None:
    """Warm up, listen on ``path``, fork a child per command; return after ``idle_s`` seconds
    without one or on a ``stop`` request."""
    import gc

    global _SERVING
    _SERVING = True
    me = identity()            # the environment it was started with (the warm-up adds to it)
    warm_s = warm_up()
    gc.collect()
    gc.freeze()                # children do not touch the warm objects' pages (copy-on-write)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(tmp))
    os.chmod(tmp, 0o600)
    listener.listen(16)
    os.replace(tmp, path)      # ready: commands find the socket only now
    inode = path.stat().st_ino
    started, served = time.time(), 0
    children: set[int] = set()
    stop = False

    def on_term(signum: int, frame: Any) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGHUP, on_term)
    listener.settimeout(1.0)
    last = time.monotonic()
    try:
        while not stop and time.monotonic() - last < idle_s:
            _reap(children)
            try:
                conn, _ = listener.accept()
            except (socket.timeout, InterruptedError):
                continue
            last = time.monotonic()
            with conn:
                conn.settimeout(5.0)
                fds: list[int] = []
                try:
                    data, fds, _, _ = socket.recv_fds(conn, _HEADER_MAX, 3)
                    while not data.endswith(b"\n") and len(data) < _HEADER_MAX:
                        more = conn.recv(_HEADER_MAX)
                        if not more:
                            break
                        data += more
                    message = json.loads(data)
                except (OSError, ValueError):    # a broken request: nothing to answer
                    for fd in fds:
                        os.close(fd)
                    continue
                conn.settimeout(None)
                op = message.get("op")
                if op == "status":
                    _send(conn, {"pid": os.getpid(), "served": served, "warm_s": warm_s,
                                 "up_s": time.time() - started, "idle_s": idle_s,
                                 "socket": str(path), "identity": me})
                elif op == "stop":
                    _send(conn, {"stopping": os.getpid()})
                    stop = True
                elif (op == "run" and len(fds) == 3 and message.get("identity") == me
                      and _peer_ok(conn, children)):
                    pid = os.fork()
                    if pid == 0:
                        _child(conn, listener, message, fds)
                    children.add(pid)
                    served += 1
                else:
                    _send(conn, {"refused": "another environment or sources"})
                for fd in fds:
                    os.close(fd)
    finally:
        listener.close()
        try:
            if path.stat().st_ino == inode:     # not a newer server's socket
                path.unlink()
        except OSError:
            pass
        _reap(children)


def _reap(children: set[int]) -> None:
    """Collect finished children (no zombies)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        children.discard(pid)


def _peer_ok(conn: socket.socket, children: set[int]) -> bool:
    """The caller is this user's, and not a command this server runs (no forwarding loops)."""
    if not hasattr(socket, "SO_PEERCRED"):     # pragma: no cover - macOS: the 0700 folder
        return True
    import struct

    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    pid, uid, _ = struct.unpack("3i", creds)
    return uid == os.getuid() and pid not in children and pid != os.getpid()


def main() -> int:
    """``python -m engine.server``: serve this environment (see ``rowboat server start``)."""
    if os.environ.get("NUMBA_THREADING_LAYER") != "workqueue":
        raise SystemExit("engine.server: start it with `rowboat server start` "
                         "(it sets NUMBA_THREADING_LAYER=workqueue before numba loads)")
    idle_min = float(os.environ.get("ROWBOAT_SERVER_IDLE", "30"))
    serve(socket_path(), idle_min * 60.0)
    return 0


if __name__ == "__main__":
    # run as engine.server, the module the commands import (whose _SERVING the server sets),
    # not as this __main__ copy of it
    from engine import server as _server

    sys.exit(_server.main())
