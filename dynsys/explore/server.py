"""Serving the explorer: a Bokeh server on 127.0.0.1, the app at the root URL ``/``.

:func:`start` runs the server on a thread of its own (for notebooks, scripts and tests)
and returns a :class:`RunningExplorer` with its ``url`` and ``stop()``; :func:`serve`
runs it in the calling thread until Ctrl-C (the CLI). The port is a free one unless
given; a port in use is a :class:`~dynsys.errors.DynsysError` naming it.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bokeh.application import Application
from bokeh.server.server import Server
from tornado.ioloop import IOLoop

from dynsys.errors import DynsysError

__all__ = ["ADDRESS", "RunningExplorer", "free_port", "serve", "start"]

#: The server listens on the loopback interface only: the explorer is a local tool.
ADDRESS = "127.0.0.1"


def free_port() -> int:
    """A port free on 127.0.0.1 right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((ADDRESS, 0))
        return int(s.getsockname()[1])


def _server(app: Application, port: int | None, io_loop: IOLoop) -> Server:
    """A Bokeh server with ``app`` at ``/``; a free port when ``port`` is None or 0."""
    for attempt in range(5):
        p = port or free_port()
        try:
            return Server({"/": app}, io_loop=io_loop, address=ADDRESS, port=p,
                          allow_websocket_origin=[f"{ADDRESS}:{p}", f"localhost:{p}"],
                          num_procs=1)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise DynsysError(f"cannot listen on {ADDRESS}:{p}: {exc.strerror}") from None
            if port:
                raise DynsysError(f"port {p} on {ADDRESS} is in use; choose another with "
                                  "--port N, or leave it out for a free one") from None
            if attempt == 4:
                raise DynsysError(f"found no free port on {ADDRESS}") from None
    raise AssertionError("unreachable")


def _quiet() -> None:
    """Keep Bokeh's and Tornado's routine log lines off the terminal (warnings stay)."""
    for name in ("bokeh", "tornado.access"):
        logging.getLogger(name).setLevel(logging.WARNING)


@dataclass
class RunningExplorer:
    """A server running on its own thread.

    Attributes
    ----------
    url : str
        ``http://127.0.0.1:PORT/``.
    port : int
    application : bokeh.application.Application
        The app (``bokeh.io.show(application)`` embeds it in a notebook instead).
    """

    url: str
    port: int
    application: Application
    _server: Any
    _thread: threading.Thread

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server and wait for its thread (at most ``timeout`` seconds)."""
        loop = self._server.io_loop

        def halt() -> None:
            self._server.stop()
            loop.stop()

        loop.add_callback(halt)
        self._thread.join(timeout)

    def __repr__(self) -> str:
        return f"<RunningExplorer at {self.url}>"


def start(app: Application, port: int | None = None) -> RunningExplorer:
    """Start serving ``app`` at ``http://127.0.0.1:PORT/`` on a background thread.

    Raises
    ------
    DynsysError
        The port is in use (or no free one was found).
    """
    _quiet()
    ready = threading.Event()
    box: dict[str, Any] = {}

    def run() -> None:
        asyncio.set_event_loop(asyncio.new_event_loop())
        loop = IOLoop.current()
        try:
            server = _server(app, port, loop)
            server.start()
        except BaseException as exc:
            box["error"] = exc
            ready.set()
            return
        box["server"] = server
        ready.set()
        loop.start()
        loop.close(all_fds=True)

    thread = threading.Thread(target=run, name="dynsys-explore-server", daemon=True)
    thread.start()
    ready.wait()
    if "error" in box:
        raise box["error"]
    server = box["server"]
    return RunningExplorer(f"http://{ADDRESS}:{server.port}/", int(server.port), app, server,
                           thread)


def serve(app: Application, port: int | None = None, *,
          on_ready: Callable[[str], None] | None = None) -> None:
    """Serve ``app`` in this thread until Ctrl-C; ``on_ready(url)`` once it listens.

    Ctrl-C stops the server and returns normally (no traceback).
    """
    _quiet()
    loop = IOLoop.current()
    server = _server(app, port, loop)
    server.start()
    if on_ready is not None:
        on_ready(f"http://{ADDRESS}:{server.port}/")
    try:
        loop.start()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
