"""A TCP proxy on loopback that cuts connections after a random number of bytes."""

from __future__ import annotations

import random
import socket
import threading


class FaultProxy:
    def __init__(self, target_port: int, seed: int) -> None:
        self.target = ("127.0.0.1", target_port)
        self.rng = random.Random(seed)
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        #: bytes (both directions together) after which the next connection is cut; None: never
        self.budget: int | None = None
        self.cuts = 0
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def arm(self, low: int, high: int) -> None:
        self.budget = self.rng.randint(low, high)

    def url(self, station_url: str) -> str:
        head, rest = station_url.rsplit("@", 1)
        host_port, path = rest.split("/", 1)
        return f"{head}@127.0.0.1:{self.port}/{path}"

    def close(self) -> None:
        self._stop = True
        self.listener.close()

    def _accept(self) -> None:
        while not self._stop:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            state = {"left": self.budget, "dead": False}
            lock = threading.Lock()
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b, client, upstream, state, lock),
                                 daemon=True).start()  # fmt: skip

    def _pump(self, src, dst, client, upstream, state, lock) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                with lock:
                    if state["left"] is not None:
                        if len(data) >= state["left"]:
                            data = data[: state["left"]]
                            dst.sendall(data)
                            state["dead"] = True
                            self.cuts += 1
                            break
                        state["left"] -= len(data)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (client, upstream):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
