"""Run a sweep's chunks on a Dask cluster (``--scheduler tcp://HOST:PORT``).

The problem (closes, rule inputs, grid) is scattered to every worker once; each task runs
:func:`engine.sweep.fused.run_variants` for a chunk of the variants to simulate (one of each
set that trades the same targets, :mod:`engine.sweep.dedupe`), the same code the local run uses, so every variant's numbers are bit-identical wherever it runs. Workers need the
same rowboat installation (``pip install 'rowboat[dist]'``) and, for speed, a shared
``NUMBA_CACHE_DIR``; each worker's numba uses that worker's cores.
"""
from __future__ import annotations

import importlib.util
import socket
import struct
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from engine.errors import ConfigError
from engine.sweep.fused import ChunkResult, run_variants

#: Seconds to wait for the scheduler to answer and for a first worker to join.
CONNECT_TIMEOUT = 20
#: Seconds a Dask scheduler may take to send its greeting (it sends it at once, unasked).
GREETING_TIMEOUT = 10
#: A Dask greeting starts with its size (8 bytes, "Q"): a few hundred bytes, never gigabytes.
MAX_GREETING = 64 * 1024 * 1024


def check_address(address: str) -> None:
    """A scheduler address looks like ``tcp://HOST:PORT`` and dask.distributed is installed."""
    if "://" not in address or not address.rsplit(":", 1)[-1].isdigit():
        raise ConfigError(f"--scheduler {address!r}: give the scheduler's address as "
                          "tcp://HOST:PORT (e.g. tcp://127.0.0.1:8786)")
    if importlib.util.find_spec("distributed") is None:  # pragma: no cover - optional dep
        raise ConfigError("--scheduler needs dask.distributed; install it with "
                          "pip install 'rowboat[dist]' or leave out --scheduler")


def _not_dask(address: str, why: str) -> ConfigError:
    return ConfigError(f"--scheduler {address}: not a Dask scheduler ({why}); give the address "
                       "`dask scheduler` prints (tcp://HOST:8786 by default; 8787 is its "
                       "dashboard), or leave out --scheduler to run on this machine")


def probe(address: str, *, timeout: float = GREETING_TIMEOUT) -> None:
    """Check that ``tcp://HOST:PORT`` is a Dask scheduler before Dask talks to it: a scheduler
    greets every new connection at once with a length-prefixed message. Something else — an
    HTTP server (it waits for a request: Dask would wait forever) or a service with its own
    banner (Dask would read it as a size of exabytes) — is a ConfigError within ``timeout``
    seconds. Other schemes (tls://, …) are left to Dask."""
    scheme, _, rest = address.partition("://")
    if scheme != "tcp":
        return
    host, _, port = rest.rpartition(":")
    host = host.strip("[]")
    t0 = time.monotonic()
    try:
        sock = socket.create_connection((host, int(port)), timeout=min(timeout, CONNECT_TIMEOUT))
    except OSError as exc:
        raise ConfigError(f"--scheduler {address}: cannot connect ({exc}); start one with "
                          f"`dask scheduler` and workers with `dask worker {address}`, or leave "
                          "out --scheduler to run on this machine") from None
    with sock:
        head = b""
        try:
            while len(head) < 8:
                sock.settimeout(max(0.1, timeout - (time.monotonic() - t0)))
                chunk = sock.recv(8 - len(head))
                if not chunk:
                    raise _not_dask(address, "it closed the connection without a greeting")
                head += chunk
        except (socket.timeout, TimeoutError):
            raise _not_dask(address, f"it sent nothing in {timeout:g} s — an HTTP server such "
                            "as Dask's dashboard?") from None
        except OSError as exc:
            raise _not_dask(address, str(exc)) from None
    (size,) = struct.unpack("Q", head)
    if not 0 < size <= MAX_GREETING:
        shown = head.decode("ascii", "replace").strip() or repr(head)
        raise _not_dask(address, f"it greets with {shown!r}")


def _client(address: str) -> Any:
    check_address(address)
    probe(address)
    from dask.distributed import Client

    try:
        return Client(address, timeout=f"{CONNECT_TIMEOUT}s", set_as_default=False)
    except (MemoryError, ValueError, TypeError, KeyError) as exc:  # it spoke, but not Dask
        raise _not_dask(address, f"{type(exc).__name__} during the handshake") from None
    except (OSError, TimeoutError) as exc:
        raise ConfigError(f"--scheduler {address}: cannot connect ({exc}); start one with "
                          f"`dask scheduler` and workers with `dask worker {address}`, or leave "
                          "out --scheduler to run on this machine") from None


def run_dask(problem: Any, address: str, chunks: Sequence[np.ndarray],
             on_done: Callable[[ChunkResult], None]) -> None:
    """Run ``chunks`` (arrays of variant numbers) on the cluster at ``address``; call
    ``on_done`` with each chunk's result as it arrives (in completion order)."""
    from dask.distributed import as_completed

    client = _client(address)
    try:
        try:
            client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
        except TimeoutError:
            raise ConfigError(f"--scheduler {address}: no worker joined within "
                              f"{CONNECT_TIMEOUT} s; start workers with `dask worker "
                              f"{address}`") from None
        shared = client.scatter(problem, broadcast=True, hash=False)
        futures = [client.submit(run_variants, shared, ids, pure=False,
                                 key=f"rowboat-sweep-{ids[0]}-{ids.size}-{id(problem):x}")
                   for ids in chunks]
        for fut in as_completed(futures, loop=client.loop):
            on_done(fut.result())
            fut.release()
    finally:
        client.close()
