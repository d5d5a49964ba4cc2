"""Run child processes: never through a shell, with the output kept for error messages."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from webkit_cli import console
from webkit_cli.errors import StepFailed


@dataclass(frozen=True)
class Result:
    argv: list[str]
    returncode: int
    output: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def tail(self, lines: int = 1) -> str:
        meaningful = [line.strip() for line in self.output.splitlines() if line.strip()]
        return " | ".join(meaningful[-lines:]) if meaningful else f"exit status {self.returncode}"


def child_env(extra: Mapping[str, str] | None = None, venv: Path | None = None) -> dict[str, str]:
    """The environment for a child: ours, without a foreign virtualenv, plus `extra`."""
    env = dict(os.environ)
    env.pop("PYTHONHOME", None)
    env.pop("__PYVENV_LAUNCHER__", None)
    if venv is not None:
        env["VIRTUAL_ENV"] = str(venv)
        env["PATH"] = os.pathsep.join([str(venv / "bin"), env.get("PATH", "")])
    else:
        env.pop("VIRTUAL_ENV", None)
    env.update(extra or {})
    return env


def run(
    argv: Sequence[str | os.PathLike[str]],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
) -> Result:
    """Run `argv` to completion, output captured (stderr merged into stdout)."""
    args = [str(part) for part in argv]
    console.detail(f"$ {' '.join(args)}")
    try:
        completed = subprocess.run(
            args,
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError:
        raise StepFailed(f"{args[0]} was not found", "check that it is installed") from None
    except subprocess.TimeoutExpired as exc:
        output = exc.output if isinstance(exc.output, str) else (exc.output or b"").decode()
        return Result(args, -1, f"{output}\ntimed out after {timeout:.0f} s")
    if completed.stdout and console.settings.verbosity > 0:
        console.detail(completed.stdout.rstrip())
    return Result(args, completed.returncode, completed.stdout or "")
