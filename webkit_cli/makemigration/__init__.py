"""Scripts that `webkit generate` and `webkit destroy` run with the project's own Python, in its
root (they import the project and its framework, which webkit itself does not carry): make the
migration of one resource with the framework's own tool, and apply it, in one process.

    python -I <framework>.py PACKAGE MODE NAME MESSAGE

MODE is "create" or "drop", NAME the table (Flask) or model (Django) the migration must be
about, MESSAGE the migration's name. Before writing anything a script checks that the database
has every migration, and that the models differ from the migrations by exactly that table:
other changes would end up in this migration, so it refuses them. If making or applying it
fails (or is interrupted), it undoes both: the file goes, the database is as before. It
prints one JSON line: {"ok": true, "migration": PATH} or {"ok": false, "kind": KIND,
"message": ...}, KIND being "pending", "other-changes", "no-change" or "failed".
"""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path

from webkit_cli import console, runner
from webkit_cli.errors import StepFailed, UsageError
from webkit_cli.project import Project

RESULT = "WEBKIT-RESULT "


class Running:
    """The script, started before webkit writes the files: it imports the framework meanwhile,
    and waits for `finish` (go) or `cancel`."""

    def __init__(self, project: Project, mode: str, target: str, name: str):
        self.project = project
        self.target = target
        script = Path(__file__).with_name(f"{project.framework.name}.py")
        self.argv = [str(project.python), "-I", str(script), project.package, mode, target, name]
        console.detail(f"$ {' '.join(self.argv)}")
        # A session of its own: Ctrl-C reaches it once, from here, so that its undo can finish.
        self.child = subprocess.Popen(
            self.argv,
            cwd=project.root,
            env=runner.child_env(venv=project.venv),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            start_new_session=True,
        )

    def cancel(self) -> None:
        """It stops without having done anything."""
        try:
            self.child.communicate("stop\n", timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            self.child.kill()
            self.child.wait()

    def finish(self) -> str:
        """Make and apply the migration (see above); the path of its file. A UsageError when
        the project is not ready for it, a StepFailed when it failed: either way, undone."""
        try:
            output, _ = self.child.communicate("go\n")
        except BaseException:
            self.child.send_signal(signal.SIGINT)
            self.child.communicate()
            raise
        if output and console.settings.verbosity > 0:
            console.detail(output.rstrip())
        lines = [line for line in output.splitlines() if line.startswith(RESULT)]
        if not lines:
            tail = runner.Result(self.argv, self.child.returncode, output).tail()
            raise StepFailed(
                f"making the migration failed: {tail}",
                "run with --verbose for the whole output; nothing was changed",
            )
        answer = json.loads(lines[-1][len(RESULT) :])
        if answer["ok"]:
            return str(answer["migration"])
        raise _refusal(answer["kind"], answer["message"], self.target)


def start(project: Project, mode: str, target: str, name: str) -> Running:
    return Running(project, mode, target, name)


def _refusal(kind: str, message: str, target: str) -> Exception:
    if kind == "interrupted":
        return KeyboardInterrupt()
    if kind == "pending":
        return UsageError(
            "the database lacks some of the project's migrations, so a new one cannot be made",
            "apply them first (webkit run migrate), then run it again",
        )
    if kind == "other-changes":
        return UsageError(
            f"the models have changes without a migration ({message}), which would end up in "
            "this one",
            "make their migration first (webkit run makemigrations), then run it again",
        )
    if kind == "no-change":
        return UsageError(
            f"the database or the migrations have '{target}' already, so the migration would "
            "do nothing",
            "choose another name, or drop that table first",
        )
    return StepFailed(
        f"making or applying the migration failed: {message}",
        "the files and the database are as before; fix the cause (run with --verbose for the "
        "framework's output), then run it again",
    )
