"""A real `newsbridge serve` in a subprocess on a free localhost port, for the tests.

Waits are bounded by progress: the port is read from the server's own "listening on"
line, readiness from /healthz, job completion from the API's long poll; a server that
dies meanwhile fails the wait at once with its stderr.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from ..conftest import REPO, TINY_CONFIG

LISTENING = re.compile(r"listening on (http://\S+)")
# Only a ceiling for a server that never gets anywhere; a healthy one is polled through.
START_LIMIT_S = 300


class Server:
    def __init__(self, data: Path, overrides: list[str], extra: list[str] = (), log: Path | None = None):
        self.data = Path(data)
        self.overrides = list(overrides)
        self.extra = list(extra)
        self.log = log or self.data.parent / f"{self.data.name}-server.log"
        self.proc: subprocess.Popen | None = None
        self.url = ""

    def command(self) -> list[str]:
        cmd = [sys.executable, "-c", "from pipeline.cli.app import main; main()", "serve",
               "--config", str(TINY_CONFIG), "--port", "0", "--data", str(self.data)]
        for item in self.overrides:
            cmd += ["--set", item]
        return cmd + self.extra

    def start(self, *, wait_ready: bool = True) -> "Server":
        env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
        self.log_fh = open(self.log, "ab")
        self.proc = subprocess.Popen(self.command(), cwd=REPO, env=env, stdout=self.log_fh, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_LIMIT_S
        while not self.url:
            match = LISTENING.search(self.log.read_text(encoding="utf-8", errors="replace"))
            if match:
                self.url = match.group(1)
                break
            self._check_alive(deadline)
            time.sleep(0.05)
        if wait_ready:
            while True:
                try:
                    if httpx.get(self.url + "/healthz", timeout=10).json().get("ready"):
                        break
                except httpx.HTTPError:
                    pass
                self._check_alive(deadline)
                time.sleep(0.1)
        return self

    def _check_alive(self, deadline: float) -> None:
        if self.proc.poll() is not None:
            raise AssertionError(f"server exited with {self.proc.returncode}:\n{self.output()[-3000:]}")
        if time.monotonic() > deadline:
            self.kill()
            raise AssertionError(f"server not ready after {START_LIMIT_S} s:\n{self.output()[-3000:]}")

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def client(self, **kwargs) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=120, **kwargs)

    def wait_done(self, client: httpx.Client, job_id: str, limit_s: float = 600) -> dict:
        """Long-poll until the job is done or failed (each poll returns on any change)."""
        deadline = time.monotonic() + limit_s
        while True:
            body = client.get(f"/api/articles/{job_id}", params={"wait": 30}).json()
            if body["status"] in ("done", "failed"):
                return body
            self._check_alive(deadline)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 120) -> int:
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        finally:
            self.log_fh.close()

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)
