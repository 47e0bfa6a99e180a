"""A small TCP proxy in front of the database, on 127.0.0.1, that can take the database away.

Modes:

- ``forward``: bytes pass both ways;
- ``refuse``: the listening socket is closed (a new connection is refused) and open connections are reset;
- ``blackhole``: connections are accepted and nothing comes back, as behind a firewall that drops packets; open
  connections go silent too. Leaving it resets the silent connections (their bytes are lost);
- ``stall``: PostgreSQL connections go through their start-up (up to the server's first ReadyForQuery) and then
  get no answer again: a server that accepted the connection and stalled.

Threads only; every loop waits at most :data:`TICK` seconds at a time and ends when the proxy is closed.
"""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager

TICK = 0.1
MODES = ("forward", "refuse", "blackhole", "stall")


def _reset(sock: socket.socket) -> None:
    """Close with a TCP reset (SO_LINGER 0), so the peer sees the connection end at once."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.close()


class _Link:
    """One client connection and its connection to the server."""

    def __init__(self, proxy: DatabaseProxy, client: socket.socket) -> None:
        self.proxy = proxy
        self.client = client
        self.server: socket.socket | None = None
        self.mode_at_start = proxy.mode
        self.silent = proxy.mode in ("blackhole",)
        self.startup_done = False
        self._buffer = b""
        self.closed = threading.Event()

    def run(self) -> None:
        try:
            if not self.silent:
                self.server = socket.create_connection(self.proxy.target, timeout=5)
            self._pump()
        except (OSError, ValueError):  # reset by the proxy or the peer (a closed socket cannot be selected)
            pass
        finally:
            self.close()

    def _pump(self) -> None:
        while not self.closed.is_set() and not self.proxy.closed.is_set():
            if self.proxy.mode == "blackhole":
                self.silent = True
            if self.silent and self.proxy.mode != "blackhole":
                return  # the outage is over: this connection's bytes were lost, end it
            sockets = [self.client] + ([self.server] if self.server is not None else [])
            readable, _, _ = select.select(sockets, [], [], TICK)
            for sock in readable:
                data = sock.recv(65536)
                if not data:
                    return
                if self.silent:
                    continue  # dropped, as a firewall would
                if sock is self.client:
                    assert self.server is not None
                    self.server.sendall(data)
                elif self._answer_allowed(data):
                    self.client.sendall(data)

    def _answer_allowed(self, data: bytes) -> bool:
        """In ``stall`` mode, the server's bytes pass until its first ReadyForQuery ('Z'), then none."""
        if self.proxy.mode != "stall" or self.mode_at_start != "stall":
            return True
        if self.startup_done:
            return False
        self._buffer += data
        while len(self._buffer) >= 5:
            kind, length = self._buffer[:1], struct.unpack("!i", self._buffer[1:5])[0]
            if len(self._buffer) < 1 + length:
                break
            self._buffer = self._buffer[1 + length:]
            if kind == b"Z":
                self.startup_done = True
        return True

    def close(self) -> None:
        self.closed.set()
        _reset(self.client)
        if self.server is not None:
            _reset(self.server)


class DatabaseProxy:
    """The proxy, listening on 127.0.0.1 (a free port unless ``port`` is given), forwarding to ``target``."""

    def __init__(self, target: tuple[str, int], *, port: int = 0, mode: str = "forward") -> None:
        assert mode in MODES
        self.target = target
        self.mode = mode
        self.closed = threading.Event()
        self._links: list[_Link] = []
        self._lock = threading.Lock()
        self._listener: socket.socket | None = self._listen(port)
        self.port = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._accept_loop, name="db-proxy", daemon=True)
        self._thread.start()

    @staticmethod
    def _listen(port: int) -> socket.socket:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(64)
        return listener

    def set_mode(self, mode: str) -> None:
        """Change the mode; on return, a refused port refuses and a reopened one accepts."""
        assert mode in MODES
        with self._lock:
            self.mode = mode
            if mode == "refuse":
                if self._listener is not None:
                    self._listener.close()
                    self._listener = None
                links, self._links = self._links, []
            else:
                links = []
                if self._listener is None:
                    self._listener = self._listen(self.port)
        for link in links:
            link.close()

    def _accept_loop(self) -> None:
        while not self.closed.is_set():
            with self._lock:
                listener = self._listener
            if listener is None:
                self.closed.wait(TICK)
                continue
            try:
                readable, _, _ = select.select([listener], [], [], TICK)
                if not readable:
                    continue
                client, _ = listener.accept()
            except (OSError, ValueError):  # closed meanwhile: refused
                continue
            link = _Link(self, client)
            with self._lock:
                if self.mode == "refuse":
                    link.close()
                    continue
                self._links = [k for k in self._links if not k.closed.is_set()] + [link]
            threading.Thread(target=link.run, name="db-proxy-link", daemon=True).start()

    def close(self) -> None:
        self.closed.set()
        self._thread.join(timeout=5)
        if self._listener is not None:
            self._listener.close()
        with self._lock:
            links, self._links = self._links, []
        for link in links:
            link.close()


@contextmanager
def database_proxy(target: tuple[str, int], *, mode: str = "forward") -> Iterator[DatabaseProxy]:
    proxy = DatabaseProxy(target, mode=mode)
    try:
        yield proxy
    finally:
        proxy.close()
