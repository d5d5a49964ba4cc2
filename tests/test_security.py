"""Security, checked by tools: bandit, an AST scan for shells, path containment, secrets, and
the generated projects' production protections on real responses."""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import re
import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import REPO, need_tool
from tests.test_hardening import assert_clear_failure, snapshot, webkit
from webkit_cli.deploy import settings as deploy_settings
from webkit_cli.errors import UsageError

PACKAGE = REPO / "webkit_cli"
FRAMEWORKS = ["flask", "django"]


# ---------------------------------------------------------------------------------------------
# bandit


def bandit(target: Path) -> list[dict]:
    """bandit's findings of medium or high severity under `target`."""
    if importlib.util.find_spec("bandit") is not None:
        argv = [sys.executable, "-m", "bandit"]
    else:
        argv = [need_tool("bandit")]
    result = subprocess.run(
        [*argv, "-r", str(target), "-f", "json", "-q", "--severity-level", "medium"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode in (0, 1), result.stderr
    report = json.loads(result.stdout)
    assert not report["errors"], report["errors"]
    return [
        f"{r['filename']}:{r['line_number']}: {r['test_id']} {r['issue_severity']} {r['issue_text']}"
        for r in report["results"]
        if r["issue_severity"] in ("MEDIUM", "HIGH")
    ]


def test_bandit_finds_nothing_medium_or_high_in_webkit():
    assert bandit(PACKAGE) == []


def test_every_nosec_in_webkit_is_justified():
    """A `# nosec BXXX` names the check it silences, and the comment line above says why."""
    for path in sorted(PACKAGE.rglob("*.py")):
        lines = path.read_text().splitlines()
        for number, line in enumerate(lines):
            if "# nosec" not in line:
                continue
            codes = re.findall(r"# nosec (B\d{3})", line)
            assert codes, f"{path}:{number + 1}: a bare nosec silences every check"
            above = []  # the comment lines right above
            while number - len(above) - 1 >= 0:
                previous = lines[number - len(above) - 1].strip()
                if not previous.startswith("#"):
                    break
                above.append(previous)
            why = " ".join(above)
            assert codes[0] in why and len(why.split()) >= 6, (
                f"{path}:{number + 1}: say why {codes[0]} does not apply in the comment above"
            )


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_bandit_finds_nothing_medium_or_high_in_a_generated_project(
    tmp_path, framework, local_index
):
    result = webkit("new", "shop", "-f", framework, "--no-venv", "--no-git", "-y", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (tmp_path / "shop" / "requirements.lock").write_text(LOCK)
    deploy = webkit("deploy-config", "--domain", "shop.example.com", cwd=tmp_path / "shop")
    assert deploy.returncode == 0, deploy.stderr
    assert (tmp_path / "shop" / "deploy" / "gunicorn.conf.py").is_file()
    assert bandit(tmp_path / "shop") == []


# ---------------------------------------------------------------------------------------------
# No shell, ever

SUBPROCESS_CALLS = {"run", "Popen", "call", "check_call", "check_output"}
SHELL_CALLS = {"system", "popen", "getoutput", "getstatusoutput", "create_subprocess_shell"}


def _calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            yield name, node


def test_no_subprocess_in_webkit_uses_a_shell():
    checked = 0
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for name, call in _calls(tree):
            where = f"{path.relative_to(REPO)}:{call.lineno}"
            assert name not in SHELL_CALLS, f"{where}: {name}() runs a shell"
            if name not in SUBPROCESS_CALLS:
                continue
            for keyword in call.keywords:
                if keyword.arg == "shell":
                    assert isinstance(keyword.value, ast.Constant), where
                    assert keyword.value.value is False, f"{where}: shell=True"
            if call.args:  # the command is a list of arguments, never one string to parse
                first = call.args[0]
                assert not isinstance(first, (ast.Constant, ast.JoinedStr, ast.BinOp)), (
                    f"{where}: the command is a string"
                )
            checked += 1
    assert checked >= 5  # the scan does see webkit's subprocess calls


def test_the_shell_scan_catches_a_shell():
    bad = "import subprocess, os\nsubprocess.run('ls', shell=True)\nos.system('ls')\n"
    names = [name for name, _ in _calls(ast.parse(bad))]
    assert "system" in names and "run" in names


# ---------------------------------------------------------------------------------------------
# What the user types is validated before it reaches a config file

UNSAFE = set(" \t\r\n\"'`$;&|<>(){}[]\\#%*?!=,")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60) | st.from_regex(r"[a-z0-9.;$ -]{1,30}", fullmatch=True))
def test_deploy_settings_accept_only_plain_values(value):
    """--domain, --user, --app-dir and --output end up unquoted in nginx, systemd, YAML and
    Dockerfiles: whatever is accepted carries no syntax of any of them."""
    checks = [
        deploy_settings.domain,
        deploy_settings.user,
        deploy_settings.app_dir,
        deploy_settings.output,
    ]
    for check in checks:
        try:
            accepted = check(value)
        except UsageError as error:
            assert error.exit_code == 2 and "\n" not in error.message
            continue
        assert accepted.isascii() and not (set(accepted) & UNSAFE), (check.__name__, accepted)
        assert ".." not in accepted.split("/"), (check.__name__, accepted)
    for check in (deploy_settings.port, deploy_settings.workers):
        try:
            number = check(value)
        except UsageError:
            continue
        assert number is None or isinstance(number, int)


def test_the_render_context_holds_only_validated_names(tmp_path, monkeypatch):
    """Everything `webkit new` passes to the template: the validated names, a fixed description,
    a version, a database kind and a key from `secrets`."""
    from webkit_cli import scaffold

    seen = {}
    real = scaffold.render

    def spy(template, values, target):
        seen.update(values)
        return real(template, values, target)

    monkeypatch.setattr(scaffold, "render", spy)
    from click.testing import CliRunner

    from webkit_cli.cli import cli

    result = CliRunner().invoke(
        cli, ["new", "My_Shop-2", "--no-venv", "--no-git", "-y", "-o", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert seen["project_name"] == "My_Shop-2"
    assert seen["project_slug"] == "my-shop-2"
    assert seen["package_name"] == "my_shop_2"
    assert re.fullmatch(r"3\.\d+", seen["python_version"])
    assert seen["database"] == "sqlite"
    assert re.fullmatch(r"[A-Za-z0-9_-]{50,}", seen["secret_key"])


# ---------------------------------------------------------------------------------------------
# Paths stay inside the target


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_rendered_paths_stay_inside_the_target_and_hold_no_links(tmp_path, framework):
    result = webkit("new", "shop", "-f", framework, "--no-venv", "--no-git", "-y", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    root = (tmp_path / "shop").resolve()
    assert [p.name for p in tmp_path.iterdir()] == ["shop"]
    for path in root.rglob("*"):
        assert not path.is_symlink(), path
        assert path.resolve().is_relative_to(root), path


def test_new_does_not_follow_a_symlink_out_of_the_target(tmp_path):
    """`shop` is a link to an empty directory elsewhere: --force would use an empty directory,
    but not through a link."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    (work / "shop").symlink_to(elsewhere)
    before = snapshot(tmp_path)
    result = webkit("new", "shop", "--force", "--no-venv", "--no-git", "-y", cwd=work)
    assert_clear_failure(result, 2, "already exists and is not a directory")
    assert snapshot(tmp_path) == before


# What `webkit setup` would lock (from the wheels of conftest's local_index).
LOCK = "flask==3.1.3\ngunicorn==27.0.1\n"


@pytest.fixture
def project(tmp_path, local_index) -> Path:
    result = webkit("new", "shop", "--no-venv", "--no-git", "-y", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (tmp_path / "shop" / "requirements.lock").write_text(LOCK)
    return tmp_path / "shop"


def test_deploy_config_needs_the_lock_file_for_the_image(tmp_path, project):
    (project / "requirements.lock").unlink()
    before = snapshot(tmp_path)
    result = webkit("deploy-config", "--domain", "shop.example.com", cwd=project)
    assert_clear_failure(result, 1, "requirements.lock is missing")
    assert "--target gunicorn,nginx,systemd,procfile" in result.stderr
    assert snapshot(tmp_path) == before
    targets = "gunicorn,nginx,systemd,procfile"
    result = webkit("deploy-config", "--domain", "shop.example.com", "-t", targets, cwd=project)
    assert result.returncode == 0, result.stderr


def test_deploy_config_does_not_write_through_a_directory_link_out_of_the_project(
    tmp_path, project
):
    outside = tmp_path / "outside"
    outside.mkdir()
    (project / "deploy").symlink_to(outside)
    before = snapshot(tmp_path)
    result = webkit("deploy-config", "--domain", "shop.example.com", cwd=project)
    assert_clear_failure(result, 2, "leads out of the project through a symbolic link")
    assert snapshot(tmp_path) == before
    assert list(outside.iterdir()) == []


def test_deploy_config_does_not_write_through_a_file_link(tmp_path, project):
    victim = tmp_path / "victim"
    victim.write_text("not webkit's\n")
    (project / "Procfile").symlink_to(victim)
    before = snapshot(tmp_path)
    result = webkit("deploy-config", "--domain", "shop.example.com", cwd=project)
    assert_clear_failure(result, 2, "leads out of the project through a symbolic link")
    assert snapshot(tmp_path) == before
    assert victim.read_text() == "not webkit's\n"


def test_deploy_config_may_use_a_link_that_stays_inside_the_project(project):
    (project / "ops").mkdir()
    (project / "deploy").symlink_to(project / "ops")
    result = webkit("deploy-config", "--domain", "shop.example.com", cwd=project)
    assert result.returncode == 0, result.stderr
    assert (project / "ops" / "nginx" / "shop.conf").is_file()


# ---------------------------------------------------------------------------------------------
# Secrets


def _secret(root: Path) -> str:
    for line in (root / ".env").read_text().splitlines():
        if line.startswith("SECRET_KEY="):
            return line.split("=", 1)[1]
    raise AssertionError(f"no SECRET_KEY in {root / '.env'}")


def test_every_project_gets_its_own_long_secret_key(tmp_path):
    keys = []
    for framework in FRAMEWORKS:
        for n in range(3):
            name = f"{framework}-{n}"
            result = webkit(
                "new", name, "-f", framework, "--no-venv", "--no-git", "-y", cwd=tmp_path
            )
            assert result.returncode == 0, result.stderr
            root = tmp_path / name
            keys.append(_secret(root))
            assert stat.S_IMODE((root / ".env").stat().st_mode) == 0o600
            example = (root / ".env.example").read_text()
            assert keys[-1] not in example
    assert len(set(keys)) == len(keys)
    for key in keys:
        assert len(key) >= 50 and re.fullmatch(r"[A-Za-z0-9_-]+", key), key


def test_the_secret_key_comes_from_the_secrets_module(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from webkit_cli.cli import cli

    marker = "from-secrets-" + "x" * 50
    calls = []

    def token_urlsafe(nbytes=None):
        calls.append(nbytes)
        return marker

    monkeypatch.setattr(secrets, "token_urlsafe", token_urlsafe)
    result = CliRunner().invoke(
        cli, ["new", "shop", "--no-venv", "--no-git", "-y", "-o", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert calls and all(n is None or n >= 32 for n in calls)
    assert _secret(tmp_path / "shop") == marker


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_a_fresh_repository_holds_no_secret(tmp_path, framework):
    git = need_tool("git")
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t"}
    env["GIT_COMMITTER_EMAIL"] = "t@t"
    result = webkit("new", "shop", "-f", framework, "--no-venv", "-y", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    root = tmp_path / "shop"
    secret = _secret(root)

    def git_out(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([git, *args], cwd=root, capture_output=True, text=True)

    tracked = git_out("ls-files").stdout.split()
    assert tracked, "nothing was committed"
    assert ".env" not in tracked and ".env.example" in tracked
    assert git_out("check-ignore", "-q", ".env").returncode == 0  # listed in .gitignore
    assert ".env" in (root / ".gitignore").read_text().split()
    assert git_out("grep", "-F", "-e", secret).returncode == 1
    history = git_out("log", "-p", "--all").stdout
    assert history and secret not in history
    assert git_out("status", "--porcelain").stdout == ""  # everything else is committed


# ---------------------------------------------------------------------------------------------
# The generated projects' production protections (e2e: they need the frameworks installed)


# The variables that change the settings of the projects: each case sets its own.
SETTINGS = {"VIRTUAL_ENV", "PYTHONPATH", "SECRET_KEY", "DEBUG", "FLASK_DEBUG", "APP_ENV"}
SETTINGS |= {"ALLOWED_HOSTS"}


def _in_venv(root: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in SETTINGS}
    return subprocess.run(
        [str(root / ".venv" / "bin" / "python"), *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        env={**base, **(env or {})},
    )


@pytest.fixture(scope="module", params=FRAMEWORKS)
def built(request, tmp_path_factory):
    from tests.test_e2e_new import build

    return build(tmp_path_factory, request.param, "uv")


PROD_SECRET = "p" * 20 + "-Q9x!z" * 8
REFUSALS = {
    # (environment, what the refusal says)
    "flask": [
        ({"APP_ENV": "production"}, "SECRET_KEY is not set"),
        ({"APP_ENV": "production", "SECRET_KEY": ""}, "SECRET_KEY is not set"),
        ({"APP_ENV": "production", "SECRET_KEY": PROD_SECRET, "FLASK_DEBUG": "1"}, "DEBUG is on"),
        ({"APP_ENV": "production", "SECRET_KEY": PROD_SECRET}, "ALLOWED_HOSTS is not set"),
    ],
    "django": [
        ({"DEBUG": "0", "ENV_FILE": os.devnull}, "SECRET_KEY is not set"),
        ({"DEBUG": "0", "ENV_FILE": os.devnull, "SECRET_KEY": ""}, "SECRET_KEY is not set"),
        (
            {"DEBUG": "1", "ENV_FILE": os.devnull, "SECRET_KEY": PROD_SECRET},
            "security.W018",  # check --deploy: DEBUG must not be True in deployment
        ),
    ],
}
START = {
    "flask": ["-c", "import my_shop; my_shop.create_app()"],
    "django": ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
}


@pytest.mark.e2e
def test_production_refuses_debug_or_a_missing_secret_key(built):
    for env, message in REFUSALS[built.framework]:
        result = _in_venv(built.root, *START[built.framework], env=env)
        assert result.returncode != 0, (env, result.stdout, result.stderr)
        assert message in result.stdout + result.stderr, (env, result.stderr[-2000:])
    fine = {
        "flask": {"APP_ENV": "production", "SECRET_KEY": PROD_SECRET, "ALLOWED_HOSTS": "a.test"},
        "django": {
            "DEBUG": "0",
            "ENV_FILE": os.devnull,
            "SECRET_KEY": PROD_SECRET,
            "ALLOWED_HOSTS": "example.com",
        },
    }[built.framework]
    result = _in_venv(built.root, *START[built.framework], env=fine)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.e2e
def test_flask_production_responses_carry_the_protections(tmp_path_factory):
    """Under gunicorn with production settings (`webkit serve --prod`), as deployed."""
    from tests.test_e2e_new import build
    from tests.test_e2e_serve import Server, fetch

    project = build(tmp_path_factory, "flask", "uv")
    server = Server(project.root, "--prod")
    try:
        server.wait_ready()
        status, headers, body = fetch(server.url + "/")
        assert status == 200 and b'name="csrf_token"' in body
        cookies = headers.get_all("Set-Cookie") or []
        session = [c for c in cookies if c.startswith("session=")]
        assert session, headers
        attributes = {part.strip().split("=")[0].lower() for part in session[0].split(";")}
        assert {"secure", "httponly", "samesite"} <= attributes, session[0]
        assert "samesite=lax" in session[0].lower().replace(" ", "")
        for path in ("/", "/api/items", "/healthz", "/no-such-page"):
            _, h, _ = fetch(server.url + path)
            assert int(re.search(r"max-age=(\d+)", h["Strict-Transport-Security"])[1]) >= 31536000
            assert h["X-Content-Type-Options"] == "nosniff"
            assert h["X-Frame-Options"] == "DENY"
            assert h["Referrer-Policy"] in {
                "strict-origin-when-cross-origin",
                "same-origin",
                "no-referrer",
            }
            csp = h["Content-Security-Policy"]
            assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, csp
            assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, csp
            assert "Werkzeug" not in h.get("Server", ""), h.get("Server")
    finally:
        code = server.stop()
    assert code in (0, 143), server.output()
