"""Local S3 APIs for the day-two tests: moto's server on a free loopback port (always stopped),
and a proxy in front of one that injects faults: HTTP errors, stalls past the client's timeout,
and bodies cut off mid-stream."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

ACCESS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes] | None, log: Path | None) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            tail = log.read_text()[-2000:] if log else ""
            raise RuntimeError(f"server exited: {tail}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listened on port {port} within 30 s")


class S3Server:
    """moto's server without IAM: any key is accepted."""

    def __init__(self, workdir: Path, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = workdir / f"moto-{self.port}.log"
        server = Path(sys.executable).parent / "moto_server"
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [str(server), "-H", "127.0.0.1", "-p", str(self.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, **(env or {})},
            )
        try:
            wait_for_port(self.port, self.process, self.log)
        except BaseException:
            self.stop()
            raise

    def s3(self, url: str | None = None, region: str = "us-east-1") -> Any:
        return boto3.client(
            "s3",
            endpoint_url=url or self.url,
            region_name=region,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 10}),
            **ACCESS,
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass
class Faults:
    """Which requests go wrong. Counted over the requests that match `methods`; 0 turns a fault
    off. `only_key` narrows every fault to paths containing it (a permanent failure)."""

    methods: tuple[str, ...] = ("GET", "PUT", "HEAD", "POST")
    error_every: int = 0
    error_status: int = 503
    stall_every: int = 0
    stall_seconds: float = 0.0
    cut_every: int = 0  # GET bodies of at least 1 KiB cut in half, then the connection closed
    only_key: str | None = None
    seen: int = 0
    injected: dict[str, int] = field(default_factory=lambda: {"error": 0, "stall": 0, "cut": 0})
    lock: threading.Lock = field(default_factory=threading.Lock)

    def decide(self, method: str, path: str) -> str | None:
        if method not in self.methods or (self.only_key and self.only_key not in path):
            return None
        with self.lock:
            self.seen += 1
            n = self.seen
            for kind, every in (
                ("error", self.error_every),
                ("stall", self.stall_every),
                ("cut", self.cut_every if method == "GET" else 0),
            ):
                if every and n % every == 0:
                    self.injected[kind] += 1
                    return kind
        return None


class FaultProxy:
    """An HTTP proxy to `upstream` (host:port) applying `faults`."""

    def __init__(self, upstream_port: int, faults: Faults) -> None:
        self.faults = faults
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _body(self) -> bytes:
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    chunks: list[bytes] = []
                    while True:
                        length = int(self.rfile.readline().split(b";")[0].strip(), 16)
                        if length == 0:
                            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                                pass
                            return b"".join(chunks)
                        chunks.append(self.rfile.read(length))
                        self.rfile.readline()
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _handle(self) -> None:
                body = self._body()
                fault = proxy.faults.decide(self.command, self.path)
                if fault == "error":
                    message = b"<Error><Code>ServiceUnavailable</Code></Error>"
                    self.send_response(proxy.faults.error_status)
                    self.send_header("Content-Length", str(len(message)))
                    self.end_headers()
                    self.wfile.write(message)
                    return
                if fault == "stall":
                    time.sleep(proxy.faults.stall_seconds)
                headers = {
                    k: v
                    for k, v in self.headers.items()
                    if k.lower() not in ("transfer-encoding", "content-length", "connection")
                }
                headers["Content-Length"] = str(len(body))
                upstream = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=120)
                try:
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    response = upstream.getresponse()
                    payload = response.read()
                finally:
                    upstream.close()
                self.send_response(response.status)
                for key, value in response.getheaders():
                    if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                if fault == "cut" and len(payload) >= 1024:
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(payload[: len(payload) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
