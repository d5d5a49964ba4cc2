"""The jobs feature as webkit handles it: the option of `new`, the record, and which worker
`serve` runs (the projects' own behaviour is in test_e2e_jobs.py and their tests/test_jobs.py)."""

from __future__ import annotations

import pytest

from webkit_cli import project, record
from webkit_cli.commands import serve
from webkit_cli.errors import UsageError


def features(root) -> dict:
    return project.read_pyproject(root / "pyproject.toml")["tool"]["webkit"].get("features", {})


@pytest.mark.parametrize(
    ("args", "backend"),
    [
        (["--jobs"], "database"),
        (["--jobs", "database"], "database"),
        (["--jobs", "redis"], "redis"),
    ],
)
def test_new_records_the_backend(invoke, tmp_path, args, backend):
    result = invoke("new", "shop", *args, "--no-venv", "--no-git", "-y", "-o", tmp_path)
    assert result.exit_code == 0, result.output
    root = tmp_path / "shop"
    assert features(root) == {"jobs": {"backend": backend}}
    assert (root / "shop" / "tasks.py").is_file()
    assert ("REDIS_URL=" in (root / ".env").read_text()) == (backend == "redis")


def test_without_jobs_nothing_of_them_is_rendered(invoke, tmp_path):
    result = invoke("new", "shop", "--no-venv", "--no-git", "-y", "-o", tmp_path)
    assert result.exit_code == 0, result.output
    root = tmp_path / "shop"
    assert features(root) == {}
    assert not (root / "shop" / "jobs.py").exists()
    text = "\n".join(p.read_text() for p in root.rglob("*.py"))
    assert "word_count" not in text and "huey" not in text.lower()


def test_an_unknown_backend_is_refused_with_the_choices(invoke, tmp_path):
    result = invoke("new", "shop", "--jobs", "rabbitmq", "--no-venv", "-y", "-o", tmp_path)
    assert result.exit_code == 2
    assert "'rabbitmq' is not one of 'database', 'redis'" in result.output
    assert list(tmp_path.iterdir()) == []


def test_the_dry_run_shows_the_recorded_feature(invoke, tmp_path):
    result = invoke("new", "shop", "--jobs", "redis", "--dry-run", "-y", "-o", tmp_path)
    assert result.exit_code == 0, result.output
    assert "[tool.webkit.features.jobs]" in result.output
    assert 'backend = "redis"' in result.output
    assert "shop/tasks.py" in result.output
    assert list(tmp_path.iterdir()) == []


def test_the_record_refuses_a_backend_it_does_not_know():
    data = {
        "tool": {
            "webkit": {
                "framework": "flask",
                "package": "shop",
                "template_version": "4",
                "features": {"jobs": {"backend": "rabbitmq"}},
            }
        }
    }
    with pytest.raises(UsageError) as raised:
        record.from_pyproject(data)
    assert "backend = 'rabbitmq' is not one webkit knows" in raised.value.message
    assert raised.value.hint == "set it to one of: database, redis"


@pytest.mark.parametrize("framework", ["flask", "django"])
def test_serve_runs_the_frameworks_worker_unless_told_not_to(invoke, tmp_path, framework, capsys):
    result = invoke("new", "shop", "-f", framework, "--jobs", "--no-venv", "--no-git", "-y",
                    "-o", tmp_path)  # fmt: skip
    assert result.exit_code == 0, result.output
    proj = project.load(tmp_path / "shop")
    worker = serve._worker_argv(proj, "/venv/python", no_worker=False)
    expected = {
        "flask": ["/venv/python", "-m", "flask", "--app", "shop", "worker"],
        "django": ["/venv/python", "manage.py", "run_huey"],
    }
    assert worker == expected[framework]
    assert serve._worker_argv(proj, "/venv/python", no_worker=True) is None
    assert "the background jobs wait in their queue" in capsys.readouterr().out
