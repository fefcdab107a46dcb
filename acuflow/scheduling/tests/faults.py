"""Fault-injection helpers for the worker tests: a local SMTP sink that records each
message's Message-ID, and a TCP proxy in front of the database that can be cut."""

from __future__ import annotations

import socket
import socketserver
import threading
import time
from email.parser import BytesHeaderParser
from typing import Any


class SmtpSink:
    """A minimal SMTP server on 127.0.0.1. Every message it accepts is recorded (as a
    mail store would keep it) BEFORE it answers 250, after `delay` seconds: a worker
    killed during the delay has handed the message over without knowing it."""

    def __init__(self, *, delay: float = 0.0) -> None:
        self.delay = delay
        self.messages: list[tuple[str, str]] = []  # (Message-ID, recipient)
        self.lock = threading.Lock()
        self.accepted = threading.Condition(self.lock)
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                try:
                    self.converse()
                except OSError:
                    pass  # the worker was killed mid-conversation

            def converse(self) -> None:
                self.wfile.write(b"220 sink ready\r\n")
                rcpt = ""
                while line := self.rfile.readline():
                    command = line.strip().upper()
                    if command.startswith((b"EHLO", b"HELO")):
                        self.wfile.write(b"250 sink\r\n")
                    elif command.startswith(b"RCPT"):
                        rcpt = line.decode().split(":", 1)[1].strip().strip("<>")
                        self.wfile.write(b"250 ok\r\n")
                    elif command == b"DATA":
                        self.wfile.write(b"354 go on\r\n")
                        data = b""
                        while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                            data += chunk
                        headers = BytesHeaderParser().parsebytes(data)
                        with sink.accepted:
                            sink.messages.append((str(headers["Message-ID"]), rcpt))
                            sink.accepted.notify_all()
                        time.sleep(sink.delay)
                        self.wfile.write(b"250 queued\r\n")
                    elif command == b"QUIT":
                        self.wfile.write(b"221 bye\r\n")
                        return
                    else:
                        self.wfile.write(b"250 ok\r\n")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def count(self) -> int:
        with self.lock:
            return len(self.messages)

    def distinct(self) -> int:
        with self.lock:
            return len({mid for mid, _rcpt in self.messages})

    def wait_for(self, n: int, timeout: float) -> bool:
        """Until `n` different messages (by Message-ID) have arrived."""
        with self.accepted:
            return self.accepted.wait_for(
                lambda: len({mid for mid, _rcpt in self.messages}) >= n, timeout
            )

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class TcpProxy:
    """Forwards 127.0.0.1:port to the database; `cut()` drops every connection and
    refuses new ones (the database is down), `restore()` listens again."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.open: list[socket.socket] = []
        self.listener: socket.socket | None = None
        self.port = 0
        self.restore()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        self.port = listener.getsockname()[1]
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _addr = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        if self.listener is not None:
            try:
                self.listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
            except OSError:
                pass
            self.listener.close()
            self.listener = None
        for s in self.open:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass
        self.open.clear()

    def close(self) -> None:
        self.cut()


def silent_server() -> Any:
    """A listening socket that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    return server
