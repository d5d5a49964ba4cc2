"""The walk: webkit tried as a new user would, from a fresh clone with an empty HOME.

The README's first command (install webkit, create a project, run it), `webkit --help`, the
README's tour, and then every command in both generated projects' READMEs, extracted from
their ```sh blocks and run as written, in order, in the project. Every one must work: exit 0,
or, for a server, answer HTTP on the port it names and stop on Ctrl-C. Nothing of the
developer's comes along: HOME is empty (no pip, uv or git settings, cold caches), PATH holds
the system's folders only (no pyenv, no uv, no ruff), and the machine's own settings stay
(certificates, proxies, pip's system configuration), as a new user's machine would have them.

Servers that need no network run in a network namespace of their own (`unshare -rn`), so that
the ports the READMEs name (8000, 5000) are free whatever else runs on this machine. The
README's first command installs before it serves, so it runs in the open: port 8000 must be
free then.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO, need_tool

pytestmark = pytest.mark.e2e

SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# A command that starts a server (it runs until Ctrl-C): the walk waits for the port to answer.
SERVER = re.compile(r"(webkit serve|manage\.py runserver|flask .*\brun\b|-m gunicorn)")
SERVER_PORTS = (8000, 5000)

# Runs a server command (in the network namespace, when asked), waits until one of the ports
# answers HTTP, then stops it with Ctrl-C (SIGINT to its process group). Prints one JSON line.
SERVE = r"""
import http.client, json, os, signal, subprocess, sys, tempfile, time
request = json.loads(sys.argv[1])
if request["ip"]:
    subprocess.run([request["ip"], "link", "set", "lo", "up"], check=True)
log = tempfile.TemporaryFile()
child = subprocess.Popen(["bash", "-c", request["command"]], cwd=request["cwd"],
                         env=request["env"], stdin=subprocess.DEVNULL, stdout=log,
                         stderr=subprocess.STDOUT, start_new_session=True)
deadline = time.monotonic() + request["timeout"]
answer = None
while answer is None and time.monotonic() < deadline and child.poll() is None:
    for port in request["ports"]:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            connection.request("GET", "/", headers={"Host": "localhost"})
            answer = [port, connection.getresponse().status]
            break
        except (OSError, http.client.HTTPException):
            pass
        finally:
            connection.close()
    else:
        time.sleep(0.25)
time.sleep(1)  # what it prints after the first page (webkit's migration check, say)
if child.poll() is None:
    os.killpg(child.pid, signal.SIGINT)
    try:
        child.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()
log.seek(0)
output = log.read().decode("utf-8", "replace")
print(json.dumps({"answer": answer, "status": child.returncode, "output": output}))
"""


@dataclass
class Ran:
    command: str
    where: Path
    ok: bool
    output: str

    def __str__(self) -> str:
        mark = "ok  " if self.ok else "FAIL"
        return f"{mark} [{self.where.name}] $ {self.command}" + (
            "" if self.ok else "\n" + self.output[-3000:]
        )


class NewUser:
    """An empty HOME, the system's PATH, and a log of every command run."""

    def __init__(self, home: Path):
        self.home = home
        home.mkdir()
        keep = {
            key: value
            for key, value in os.environ.items()
            if key in {"LANG", "LC_ALL", "TZ", "TMPDIR", "WEBKIT_REQUIRE_TOOLS"}
            or key.startswith(("SSL_", "PIP_", "REQUESTS_", "CURL_"))
            or key.lower() in {"http_proxy", "https_proxy", "no_proxy", "all_proxy"}
        }
        self.env = {**keep, "HOME": str(home), "PATH": SYSTEM_PATH, "USER": "newuser"}
        self.log: list[Ran] = []
        unshare, ip = shutil.which("unshare"), shutil.which("ip", path=SYSTEM_PATH)
        isolated = (
            unshare
            and ip
            and subprocess.run([unshare, "-rn", ip, "link", "set", "lo", "up"], capture_output=True)
        )
        self.namespace = [unshare, "-rn"] if isolated and isolated.returncode == 0 else None
        self.ip = ip if self.namespace else None

    def run(self, command: str, cwd: Path, *, timeout: float = 900) -> Ran:
        if SERVER.search(command):
            ran = self._serve(command, cwd, timeout=timeout)
        elif "createsuperuser" in command:
            ran = self._interactive(command, cwd)
        else:
            done = subprocess.run(
                ["bash", "-c", command],
                cwd=cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                errors="replace",
                timeout=timeout,
            )
            ran = Ran(command, cwd, done.returncode == 0, done.stdout + done.stderr)
        self.log.append(ran)
        return ran

    def _serve(self, command: str, cwd: Path, *, timeout: float) -> Ran:
        # A server that installs first (the README's first command) needs the network.
        isolated = self.namespace is not None and "install" not in command
        request = {
            "command": command,
            "cwd": str(cwd),
            "env": self.env,
            "ports": SERVER_PORTS,
            "timeout": timeout,
            "ip": self.ip if isolated else None,
        }
        prefix = self.namespace if isolated else []
        done = subprocess.run(
            [*prefix, sys.executable, "-c", SERVE, json.dumps(request)],
            capture_output=True,
            text=True,
            timeout=timeout + 120,
        )
        try:
            result = json.loads(done.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            return Ran(command, cwd, False, done.stdout + done.stderr)
        answer, output = result["answer"], result["output"]
        ok = answer is not None and answer[1] < 500 and "Traceback" not in output
        return Ran(command, cwd, ok, f"answer (port, status): {answer}\n{output}")

    def _interactive(self, command: str, cwd: Path) -> Ran:
        """A command that asks questions on a terminal, answered as a user would."""
        import pty
        import select

        answers = [
            (r"Username.*: $", "admin"),
            (r"Email address: $", "admin@example.com"),
            (r"Password: $", "walk-Through-4-new-users"),
            (r"Password \(again\): $", "walk-Through-4-new-users"),
        ]
        leader, follower = pty.openpty()
        child = subprocess.Popen(
            ["bash", "-c", command],
            cwd=cwd,
            env={**self.env, "TERM": "dumb"},
            stdin=follower,
            stdout=follower,
            stderr=follower,
            start_new_session=True,
        )
        os.close(follower)
        output = ""
        while True:
            ready, _, _ = select.select([leader], [], [], 60)
            if not ready:
                child.kill()
                break
            try:
                chunk = os.read(leader, 4096).decode("utf-8", "replace")
            except OSError:  # the terminal closed: the command ended
                break
            if not chunk:
                break
            output += chunk
            line = output.rsplit("\n", 1)[-1]
            for prompt, reply in answers:
                if re.search(prompt, line):
                    os.write(leader, f"{reply}\n".encode())
                    output += "\n"
                    break
        os.close(leader)
        status = child.wait(timeout=60)
        return Ran(command, cwd, status == 0, output)


def sh_blocks(markdown: str) -> list[list[str]]:
    """The commands of each ```sh block: one per line (a trailing backslash continues it),
    without the lines that are only a comment."""
    blocks = []
    for body in re.findall(r"^```sh\n(.*?)^```", markdown, re.M | re.S):
        commands: list[str] = []
        for line in body.replace("\\\n", " ").splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                commands.append(line.strip())
        blocks.append(commands)
    return blocks


def walk_block(user: NewUser, commands: list[str], cwd: Path) -> None:
    """Run a block's commands in order, as a user types them into one shell: `export` lines
    hold for the rest of the block, and a leading `cd DIR &&` moves the user for good."""
    exports: list[str] = []
    for command in commands:
        ran = user.run("; ".join([*exports, command]), cwd)
        if command.startswith("export ") and ran.ok:
            exports.append(command)
        moved = re.match(r"^cd (\S+)( &&|$)", command)
        if moved and ran.ok:
            cwd = cwd / shlex.split(moved[1])[0]


def test_a_new_user_walks_the_readmes(tmp_path):
    need_tool("git")
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout: nothing to clone")
    user = NewUser(tmp_path / "home")
    clone = user.home / "webkit"
    cloned = subprocess.run(
        ["git", "clone", "-q", str(REPO), str(clone)], capture_output=True, text=True
    )
    assert cloned.returncode == 0, cloned.stderr
    readme = (clone / "README.md").read_text(encoding="utf-8")
    blocks = sh_blocks(readme)

    # 1. The README's first command: install webkit, create a project and run it.
    (first,) = blocks[0]
    assert "pip install ." in first and first.endswith("webkit serve")
    walk_block(user, [first], clone)
    assert user.log[-1].ok, "\n".join(map(str, user.log))
    assert "is running at http://127.0.0.1:8000/" in user.log[-1].output
    # From here on webkit is on PATH, as the README's `export` put it for that shell (with
    # python, pip and uv of webkit's own venv: a README that says `pip install` without a
    # path would install into webkit's environment, checked at the end).
    user.env["PATH"] = f"{user.home}/.webkit/bin:{SYSTEM_PATH}"
    webkit_packages = user.run(".webkit/bin/python -m pip freeze", user.home).output

    # 2. webkit --help
    helped = user.run("webkit --help", user.home)
    assert helped.ok and "new" in helped.output and "serve" in helped.output

    # 3. The README's tour ("What you get"), in a folder of its own: new, serve, deploy-config.
    tour = next(block for block in blocks if any(c.startswith("webkit new ") for c in block))
    (user.home / "tour").mkdir()
    walk_block(user, tour, user.home / "tour")

    # 4. A Django project too (the tour's "# or django").
    user.run("webkit new blog --framework django", user.home)

    # 5. Every command of each generated README, in order, in its project.
    for root in (clone / "shop", user.home / "blog"):
        for block in sh_blocks((root / "README.md").read_text(encoding="utf-8")):
            walk_block(user, block, root)

    print("\n".join(map(str, user.log)))  # the walk, for `pytest -s` or -rP
    failed = [ran for ran in user.log if not ran.ok]
    assert not failed, "\n".join(map(str, user.log))
    assert user.run(".webkit/bin/python -m pip freeze", user.home).output == webkit_packages
    walked = {(ran.where.name, ran.command) for ran in user.log}
    assert len(walked) >= 30, "\n".join(map(str, user.log))
