"""Loopback HTTP: free ports, polling for the first 200, and wrk runs with their parsing.

Everything here talks to 127.0.0.1 only, and every loop is bounded in time.
"""

from __future__ import annotations

import http.client
import re
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def get(port: int, path: str, timeout: float = 5.0) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Host": f"{HOST}:{port}"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def wait_for_200(
    port: int, path: str, alive: Callable[[], bool], timeout: float = 90.0, interval: float = 0.01
) -> float | None:
    """time.monotonic() when `path` first answered 200; None if the server died or timed out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            return None
        try:
            status, _ = get(port, path, timeout=10)
        except (OSError, http.client.HTTPException):
            time.sleep(interval)
            continue
        if status == 200:
            return time.monotonic()
        time.sleep(interval)
    return None


def static_path(port: int, fallback: str) -> str:
    """The stylesheet that the home page links to (hashed where the app hashes static URLs)."""
    try:
        status, body = get(port, "/")
    except (OSError, http.client.HTTPException):
        return fallback
    if status == 200:
        match = re.search(rb'href="(/static/[^"?#]+\.css(?:\?[^"#&]*)?)"', body)
        if match:
            return match.group(1).decode()
    return fallback


@dataclass(frozen=True)
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    socket_errors: int
    raw: str

    @property
    def errors(self) -> int:
        return self.non_2xx + self.socket_errors


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(value: str, unit: str) -> float:
    return float(value) * _UNITS[unit]


def parse_wrk(output: str) -> WrkResult:
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    if rps is None:
        raise ValueError(f"no Requests/sec in wrk's output:\n{output}")
    percentiles = {
        int(m[1]): _ms(m[2], m[3])
        for m in re.finditer(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.M)
    }
    if 99 not in percentiles or 50 not in percentiles:
        raise ValueError(
            f"no latency distribution in wrk's output (run it with --latency):\n{output}"
        )
    requests = re.search(r"^\s+(\d+) requests in", output, re.M)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return WrkResult(
        rps=float(rps[1]),
        p50_ms=percentiles[50],
        p99_ms=percentiles[99],
        requests=int(requests[1]) if requests else 0,
        non_2xx=int(non_2xx[1]) if non_2xx else 0,
        socket_errors=sum(int(g) for g in sockets.groups()) if sockets else 0,
        raw=output,
    )


def wrk(
    binary: str,
    port: int,
    path: str,
    seconds: float,
    threads: int = 2,
    connections: int = 32,
) -> WrkResult:
    argv = [
        binary,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--latency",
        "--timeout",
        "5s",
        f"http://{HOST}:{port}{path}",
    ]
    completed = subprocess.run(
        argv, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    if completed.returncode != 0:
        raise RuntimeError(f"wrk failed: {completed.stdout}{completed.stderr}")
    return parse_wrk(completed.stdout)
