"""Serve the web app: ``python -m workbench.serve [--port N] [--address A] [--show]``.

The same as ``panel serve apps/workbench.py`` with the settings the app
needs: bound to localhost by default (the app runs user simulations: do
not expose it to a network you do not trust), the websocket origin set to
match, a liveness endpoint for scripts and tests, and the Numba threading
layer that does not stall on small machines.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "apps" / "workbench.py"


def panel_argv(port: int, address: str, show: bool) -> list[str]:
    """The ``panel serve`` command line for the app."""
    host = "localhost" if address in ("127.0.0.1", "localhost") else address
    origins = {f"{host}:{port}", f"127.0.0.1:{port}", f"localhost:{port}"}
    argv = ["panel", "serve", str(APP), "--port", str(port), "--address", address,
            "--liveness", "--num-procs", "1",
            # a closed tab's session (and its run) goes within ~5 s
            "--check-unused-sessions", "2000", "--unused-session-lifetime", "3000",
            # an upload arrives base64-encoded in one websocket message; one over
            # this closes the page's connection, one under it reaches the app's
            # own size checks (recordings: 50 MB, workspaces: 20 MB), which say why
            "--websocket-max-message-size", str(200 * 2**20)]
    for origin in sorted(origins):
        argv += ["--allow-websocket-origin", origin]
    if show:
        argv.append("--show")
    return argv


def free_port() -> int:
    """A TCP port of 127.0.0.1 free now (for a server a script or test starts)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, proc, timeout: float = 90.0, what: str = "the app server") -> None:
    """Wait until ``url`` answers 200 while the process ``proc`` (a
    ``subprocess.Popen``) lives; raise if it exits or ``timeout`` s pass."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


def stop_process(proc, timeout: float = 10.0) -> None:
    """Terminate ``proc`` (a ``subprocess.Popen``), kill it after ``timeout``
    s, and wait for it (nothing if it has already ended or is None)."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m workbench.serve", description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 5006)))
    parser.add_argument("--address", default="127.0.0.1",
                        help="interface to bind (default 127.0.0.1: this machine only)")
    parser.add_argument("--show", action="store_true", help="open a browser tab")
    args = parser.parse_args(argv)
    os.environ.setdefault("NUMBA_THREADING_LAYER", "workqueue")
    os.environ.setdefault("OMP_WAIT_POLICY", "passive")
    print(f"neuroworkbench: open http://{args.address}:{args.port}/workbench "
          "(Ctrl-C stops the server)", flush=True)
    from panel.command import main as panel_main

    sys.argv = panel_argv(args.port, args.address, args.show)
    panel_main()


if __name__ == "__main__":
    main()
