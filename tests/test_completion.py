"""Shell completion: `webkit completion bash|zsh|fish` prints click's script, each shell accepts
it, and through click's completion protocol (and the real shells) webkit completes commands,
options, choices and, inside a project, its shortcuts, commands and resources."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from tests.conftest import REPO, need_tool, webkit
from tests.test_run import make_project
from webkit_cli import completion

BIN = Path(sys.executable).parent  # the dev venv, where the `webkit` command is
# A shell's environment with this webkit on PATH, as after `pip install`.
SHELL_ENV = {
    **os.environ,
    "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
    "PYTHONPATH": str(REPO),
}


def complete(words: str, cwd: Path, shell: str = "bash") -> list[str]:
    """What `webkit` answers when `shell`'s completion asks about the command line `words`
    (the cursor at its end), as click's protocol asks it: the values, without their types."""
    parts = words.split(" ")
    env = {
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(parts) - 1),
        completion.COMPLETE_VAR: f"{shell}_complete",
    }
    if shell == "fish":  # fish passes the command line and the current token
        env["COMP_CWORD"] = parts[-1]
    result = webkit(cwd=cwd, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = [line for line in result.stdout.splitlines() if line]  # none: an empty line
    if shell == "zsh":  # type, value, help: three lines each
        return [lines[i + 1] for i in range(0, len(lines), 3)]
    values = [line.split(",", 1)[1] if "," in line else line for line in lines]
    return [value.split("\t", 1)[0] for value in values]  # fish: value, tab, help


@pytest.fixture
def proj(tmp_path) -> Path:
    root = make_project(tmp_path / "shop")
    for script in ("pytest", "flask"):
        path = root / ".venv" / "bin" / script
        path.write_text("#!/bin/sh\n")
        path.chmod(0o755)
    with (root / "pyproject.toml").open("a", encoding="utf-8") as handle:
        handle.write(
            '\n[[tool.webkit.resources]]\nname = "Post"\nfields = ["title:str"]\n'
            '\n[[tool.webkit.resources]]\nname = "Comment"\nfields = ["body:text"]\n'
        )
    return root


@pytest.mark.parametrize("shell", completion.SHELLS)
def test_the_script_for_each_shell(tmp_path, shell):
    result = webkit("completion", shell, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert completion.COMPLETE_VAR in result.stdout
    script = tmp_path / f"webkit.{shell}"
    script.write_text(result.stdout)
    checker = {"bash": ["-n"], "zsh": ["-n"], "fish": ["--no-execute"]}[shell]
    checked = subprocess.run(
        [need_tool(shell), *checker, str(script)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr


def test_an_unknown_shell_is_refused(invoke, tmp_path):
    result = invoke("completion", "tcsh", cwd=tmp_path)
    assert result.exit_code == 2
    assert "'tcsh' is not one of 'bash', 'zsh', 'fish'" in result.output


@pytest.mark.parametrize("shell", completion.SHELLS)
def test_commands_options_and_choices(tmp_path, shell):
    assert {"new", "serve", "run", "doctor", "completion"} <= set(
        complete("webkit ", tmp_path, shell)
    )
    assert complete("webkit ne", tmp_path, shell) == ["new"]
    assert "--framework" in complete("webkit new --f", tmp_path, shell)
    assert complete("webkit new --framework ", tmp_path, shell) == ["flask", "django"]
    assert "postgres" in complete("webkit new --db ", tmp_path, shell)
    assert complete("webkit completion ", tmp_path, shell) == ["bash", "zsh", "fish"]


def test_deploy_targets_complete_one_after_another(tmp_path):
    assert "nginx" in complete("webkit deploy-config --target ", tmp_path)
    after = complete("webkit deploy-config --target nginx,sy", tmp_path)
    assert after == ["nginx,systemd"]
    assert "nginx,nginx" not in complete("webkit deploy-config --target nginx,", tmp_path)


def test_run_completes_shortcuts_and_venv_commands_inside_a_project(proj, tmp_path):
    names = complete("webkit run ", proj / "shop")
    assert names[:5] == ["tests", "lint", "shell", "migrate", "makemigrations"]
    assert {"pytest", "flask", "python"} <= set(names)
    assert complete("webkit run py", proj) == [n for n in names if n.startswith("py")]
    assert complete("webkit run ", tmp_path) == []  # outside a project: nothing


def test_run_arguments_complete_as_file_names(proj):
    words = "webkit run pytest "
    result = webkit(
        cwd=proj,
        env={"COMP_WORDS": words, "COMP_CWORD": "3", completion.COMPLETE_VAR: "bash_complete"},
    )
    assert result.stdout.splitlines() == ["file,"]


def test_a_broken_project_completes_nothing_and_says_nothing(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.webkit\n")
    assert complete("webkit run ", tmp_path) == []


@click.command()
@click.argument("resource", shell_complete=completion.complete_resource)
def generate(resource: str) -> None:
    """Stands for the commands that take a resource (generate, destroy)."""


def test_resource_names_inside_a_project(proj, tmp_path, monkeypatch):
    from click.shell_completion import ShellComplete

    monkeypatch.chdir(proj / "shop")
    asked = ShellComplete(generate, {}, "generate", "_GENERATE_COMPLETE")
    assert [item.value for item in asked.get_completions([], "")] == ["Post", "Comment"]
    assert [item.value for item in asked.get_completions([], "Co")] == ["Comment"]
    monkeypatch.chdir(tmp_path)
    assert asked.get_completions([], "") == []


def test_bash_itself_completes_with_the_script(proj):
    """The script, sourced by a real bash, fills COMPREPLY from webkit."""
    script = webkit("completion", "bash", cwd=proj).stdout
    program = (
        f"{script}\n"
        "COMP_WORDS=(webkit new --framework ''); COMP_CWORD=3\n"
        "_webkit_completion webkit; printf '%s\\n' \"${COMPREPLY[@]}\"\n"
        "COMP_WORDS=(webkit run py); COMP_CWORD=2\n"
        "_webkit_completion webkit; printf '%s\\n' \"${COMPREPLY[@]}\"\n"
    )
    result = subprocess.run(
        [need_tool("bash"), "-c", program],
        cwd=proj,
        capture_output=True,
        text=True,
        env=SHELL_ENV,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.split()
    assert lines[:2] == ["flask", "django"]
    assert {"pytest", "python"} <= set(lines[2:])


def test_fish_itself_completes_with_the_script(proj):
    script = webkit("completion", "fish", cwd=proj).stdout
    program = f"{script}\ncomplete -C 'webkit new --framework '\ncomplete -C 'webkit run te'\n"
    result = subprocess.run(
        [need_tool("fish"), "--no-config", "-c", program],
        cwd=proj,
        capture_output=True,
        text=True,
        env=SHELL_ENV,
    )
    assert result.returncode == 0, result.stderr
    assert sorted(result.stdout.split()) == ["django", "flask", "tests"]  # fish sorts them


def test_completion_costs_webkit_help_nothing():
    code = (
        "import sys; from webkit_cli.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print('LOADED', [m for m in ('click.shell_completion', 'webkit_cli.completion',"
        " 'webkit_cli.commands.doctor', 'webkit_cli.commands.run') if m in sys.modules])"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert "LOADED []" in result.stdout
    for name in ("doctor", "run", "completion"):
        assert f"  {name} " in result.stdout


def test_zsh_registers_the_completion_with_the_readme_line(proj):
    """The README's line for ~/.zshrc, after compinit: zsh then completes webkit with it."""
    program = (
        "autoload -Uz compinit && compinit -u -D\n"
        'eval "$(webkit completion zsh)"\n'
        "print -r -- ${_comps[webkit]}\n"
    )
    result = subprocess.run(
        [need_tool("zsh"), "-f", "-c", program],
        cwd=proj,
        capture_output=True,
        text=True,
        env=SHELL_ENV,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "_webkit_completion"


def test_destroy_resource_completes_the_projects_resources(proj, tmp_path):
    assert complete("webkit destroy resource ", proj / "shop") == ["Post", "Comment"]
    assert complete("webkit destroy resource P", proj) == ["Post"]
    assert complete("webkit generate ", proj) == ["app", "resource"]
    assert complete("webkit destroy resource ", tmp_path) == []  # outside a project: nothing
