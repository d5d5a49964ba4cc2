"""`webkit deploy-config`: what it writes, what it refuses, and that real validators accept it.

The unit tests run against small hand-made projects (a pyproject.toml with [tool.webkit] and a
lock file); the tests marked e2e run the real tools (nginx -t, gixy, systemd-analyze, hadolint,
the compose-spec schema, yamllint, kubernetes-validate, ruff) on the generated files, and show
that each of those tools does reject a broken file, so that their passing means something.
tests/test_deploy_live.py does the same on projects made by `webkit new`, and serves one.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO, need_tool, tree
from webkit_cli.deploy import files as deploy_files

DOMAIN = "shop.example.com"
VENV_BIN = Path(sys.executable).parent
FRAMEWORKS = ["flask", "django"]

ALL_FILES = {
    ".dockerignore",
    "Procfile",
    "deploy/.env.example",
    "deploy/.webkit-manifest.json",
    "deploy/Dockerfile",
    "deploy/compose.yaml",
    "deploy/gunicorn.conf.py",
    "deploy/k8s/configmap.yaml",
    "deploy/k8s/deployment.yaml",
    "deploy/k8s/hpa.yaml",
    "deploy/k8s/ingress.yaml",
    "deploy/k8s/migrate-job.yaml",
    "deploy/k8s/networkpolicy.yaml",
    "deploy/k8s/postgres.yaml",
    "deploy/k8s/service.yaml",
    "deploy/nginx/my-shop.conf",
    "deploy/requirements-hashed.lock",
    "deploy/systemd/my-shop.service",
}

LOCK = """\
# Runtime dependencies: the exact versions webkit installed and the tests passed with.
flask==3.1.3
gunicorn==27.0.1
"""


def make_project(
    root: Path,
    framework: str = "flask",
    database: str = "sqlite",
    lock: str = LOCK,
    jobs: str | None = None,
    auth: bool = False,
) -> Path:
    """The smallest project webkit recognises: pyproject.toml with [tool.webkit], a lock file."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(
        f"""\
[project]
name = "my-shop"
version = "0.1.0"
dependencies = ["gunicorn>=23"]

[tool.webkit]
framework = "{framework}"
package = "my_shop"
template_version = "1"

[tool.webkit.answers]
project_name = "my-shop"
database = "{database}"
python_version = "3.12"
"""
        + (f'\n[tool.webkit.features.jobs]\nbackend = "{jobs}"\n' if jobs else "")
        + ("\n[tool.webkit.features.auth]\nemail_verification = false\n" if auth else ""),
        encoding="utf-8",
    )
    (root / "requirements.lock").write_text(lock, encoding="utf-8")
    (root / "my_shop").mkdir(exist_ok=True)
    (root / "my_shop" / "__init__.py").write_text("", encoding="utf-8")
    return root


@pytest.fixture(autouse=True)
def _packages_on_disk(local_index):
    """requirements-hashed.lock is made from wheels on disk, never from the network."""


@pytest.fixture(params=FRAMEWORKS)
def proj(request, tmp_path) -> Path:
    return make_project(tmp_path / "my-shop", request.param)


@pytest.fixture
def flask_proj(tmp_path) -> Path:
    return make_project(tmp_path / "my-shop", "flask")


def deploy(invoke, root: Path, *args: str):
    return invoke("deploy-config", *args, cwd=root)


def contents(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def generated(root: Path) -> set[str]:
    return {
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and p.name not in {"pyproject.toml", "requirements.lock", "__init__.py"}
    }


def read(root: Path, relpath: str) -> str:
    return (root / relpath).read_text(encoding="utf-8")


def yaml_docs(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


# --- writing, re-running, edits ---------------------------------------------------------------


def test_writes_every_target_and_a_manifest_of_what_it_wrote(invoke, proj):
    result = deploy(invoke, proj, "--domain", DOMAIN)
    assert result.exit_code == 0, result.output
    assert generated(proj) == ALL_FILES
    manifest = json.loads(read(proj, "deploy/.webkit-manifest.json"))
    assert manifest["settings"]["domain"] == DOMAIN
    assert set(manifest["files"]) == ALL_FILES - {"deploy/.webkit-manifest.json"}
    for relpath, entry in manifest["files"].items():
        assert entry["sha256"] == hashlib.sha256((proj / relpath).read_bytes()).hexdigest()
    assert "created" in result.stdout and "deploy/nginx/my-shop.conf" in result.stdout


def test_rerun_reports_unchanged_and_touches_nothing(invoke, proj):
    assert deploy(invoke, proj, "--domain", DOMAIN).exit_code == 0
    before = tree(proj)
    mtimes = {p: p.stat().st_mtime_ns for p in proj.rglob("*")}
    result = deploy(invoke, proj)  # the recorded settings are reused
    assert result.exit_code == 0, result.output
    assert tree(proj) == before
    assert {p: p.stat().st_mtime_ns for p in proj.rglob("*")} == mtimes
    assert result.stdout.count("unchanged") == len(ALL_FILES) - 1
    assert "up to date" in result.stdout


def test_user_edit_is_refused_with_a_diff_and_nothing_is_written(invoke, flask_proj):
    assert deploy(invoke, flask_proj, "--domain", DOMAIN).exit_code == 0
    site = flask_proj / "deploy/nginx/my-shop.conf"
    site.write_text(site.read_text() + "# my own tuning\n")
    before = contents(flask_proj)
    # A new domain would change every file; the edited one blocks the whole run.
    result = deploy(invoke, flask_proj, "--domain", "other.example.com")
    assert result.exit_code == 2
    assert contents(flask_proj) == before
    assert "-# my own tuning" in result.stdout  # the diff: webkit's version drops the edit
    assert "+    server_name other.example.com;" in result.stdout
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("error: 1 file(s) changed since webkit wrote them")
    assert "deploy/nginx/my-shop.conf" in lines[0]
    assert lines[1].strip().startswith("hint:") and "--force" in lines[1]


def test_force_overwrites_the_edit(invoke, flask_proj):
    assert deploy(invoke, flask_proj, "--domain", DOMAIN).exit_code == 0
    site = flask_proj / "deploy/nginx/my-shop.conf"
    pristine = site.read_text()
    site.write_text(pristine + "# my own tuning\n")
    result = deploy(invoke, flask_proj, "--force")
    assert result.exit_code == 0, result.output
    assert site.read_text() == pristine
    assert "overwrote" in result.stdout
    assert deploy(invoke, flask_proj).stdout.count("unchanged") == len(ALL_FILES) - 1


def test_unedited_files_follow_new_settings_and_the_settings_are_remembered(invoke, flask_proj):
    assert deploy(invoke, flask_proj, "--domain", DOMAIN, "--workers", "3").exit_code == 0
    result = deploy(invoke, flask_proj, "--domain", "new.example.org")
    assert result.exit_code == 0, result.output
    assert "updated" in result.stdout
    site = read(flask_proj, "deploy/nginx/my-shop.conf")
    assert "server_name new.example.org;" in site and DOMAIN not in site
    # --workers 3 from the first run is still in force; --workers auto goes back to the default
    assert 'env_int("WEB_CONCURRENCY", 3)' in read(flask_proj, "deploy/gunicorn.conf.py")
    assert deploy(invoke, flask_proj, "--workers", "auto").exit_code == 0
    assert "max(2, cpu_count())" in read(flask_proj, "deploy/gunicorn.conf.py")
    assert "new.example.org" in read(flask_proj, "deploy/k8s/ingress.yaml")


def test_a_file_webkit_did_not_write_counts_as_edited(invoke, flask_proj):
    (flask_proj / "Procfile").write_text("web: ./run-my-server\n")
    result = deploy(invoke, flask_proj, "--domain", DOMAIN)
    assert result.exit_code == 2
    assert (flask_proj / "Procfile").read_text() == "web: ./run-my-server\n"
    assert not (flask_proj / "deploy").exists()


def test_diff_shows_changes_and_writes_nothing(invoke, flask_proj):
    before = contents(flask_proj)
    result = deploy(invoke, flask_proj, "--domain", DOMAIN, "--diff")
    assert result.exit_code == 0, result.output
    assert contents(flask_proj) == before
    assert "+++ b/deploy/nginx/my-shop.conf" in result.stdout
    assert f"+    server_name {DOMAIN};" in result.stdout
    assert "nothing was written" in result.stdout

    assert deploy(invoke, flask_proj, "--domain", DOMAIN).exit_code == 0
    site = flask_proj / "deploy/nginx/my-shop.conf"
    site.write_text(site.read_text().replace("keepalive 16;", "keepalive 64;"))
    before = contents(flask_proj)
    result = deploy(invoke, flask_proj, "--diff")
    assert result.exit_code == 0
    assert contents(flask_proj) == before
    assert "-    keepalive 64;" in result.stdout and "+    keepalive 16;" in result.stdout


def test_dry_run_lists_changes_and_writes_nothing(invoke, flask_proj):
    before = contents(flask_proj)
    result = deploy(invoke, flask_proj, "--domain", DOMAIN, "--dry-run")
    assert result.exit_code == 0, result.output
    assert contents(flask_proj) == before
    assert result.stdout.count("create") == len(ALL_FILES) - 1

    assert deploy(invoke, flask_proj, "--domain", DOMAIN).exit_code == 0
    (flask_proj / "Procfile").write_text("web: edited\n")
    before = contents(flask_proj)
    result = deploy(invoke, flask_proj, "--domain", "new.example.org", "--dry-run")
    assert result.exit_code == 0
    assert contents(flask_proj) == before
    assert re.search(r"edited\s+Procfile", result.stdout)
    assert re.search(r"update\s+deploy/nginx/my-shop.conf", result.stdout)
    assert "would be refused" in result.stderr


def test_deleted_file_is_written_again(invoke, flask_proj):
    assert deploy(invoke, flask_proj, "--domain", DOMAIN).exit_code == 0
    (flask_proj / "deploy/Dockerfile").unlink()
    result = deploy(invoke, flask_proj)
    assert result.exit_code == 0
    assert (flask_proj / "deploy/Dockerfile").is_file()
    assert re.search(r"created\s+deploy/Dockerfile", result.stdout)


def test_targets_choose_files_and_bring_what_they_need(invoke, flask_proj):
    result = deploy(invoke, flask_proj, "--domain", DOMAIN, "--target", "nginx")
    assert result.exit_code == 0, result.output
    assert generated(flask_proj) == {"deploy/nginx/my-shop.conf", "deploy/.webkit-manifest.json"}
    # systemd runs deploy/gunicorn.conf.py, so it comes along
    result = deploy(invoke, flask_proj, "-t", "systemd,procfile")
    assert result.exit_code == 0, result.output
    assert generated(flask_proj) == {
        "deploy/nginx/my-shop.conf",
        "deploy/.webkit-manifest.json",
        "deploy/gunicorn.conf.py",
        "deploy/systemd/my-shop.service",
        "deploy/.env.example",
        "Procfile",
    }
    manifest = json.loads(read(flask_proj, "deploy/.webkit-manifest.json"))
    assert "deploy/nginx/my-shop.conf" in manifest["files"]  # earlier files stay known


def test_output_directory(invoke, flask_proj):
    result = deploy(invoke, flask_proj, "--domain", DOMAIN, "--output", "ops/prod")
    assert result.exit_code == 0, result.output
    assert (flask_proj / "ops/prod/.webkit-manifest.json").is_file()
    assert "--config ops/prod/gunicorn.conf.py" in read(flask_proj, "Procfile")
    compose = yaml.safe_load(read(flask_proj, "ops/prod/compose.yaml"))
    assert compose["x-app"]["build"] == {"context": "../..", "dockerfile": "ops/prod/Dockerfile"}
    assert '"--config", "ops/prod/gunicorn.conf.py"' in read(flask_proj, "ops/prod/Dockerfile")


def test_works_from_a_subdirectory(invoke, flask_proj):
    result = deploy(invoke, flask_proj / "my_shop", "--domain", DOMAIN, "-t", "procfile")
    assert result.exit_code == 0, result.output
    assert (flask_proj / "Procfile").is_file()


# --- bad input ----------------------------------------------------------------------------------

BAD_INPUTS = [
    ("--domain", "example.com; return 200"),
    ("--domain", "example.com\nreturn 200"),
    ("--domain", "https://example.com"),
    ("--domain", "example.com:8443"),
    ("--domain", "exa mple.com"),
    ("--domain", "-example.com"),
    ("--domain", "localhost"),
    ("--domain", "10.0.0.1"),
    ("--domain", "a" * 64 + ".com"),
    ("--domain", "*.example.com"),
    ("--domain", ""),
    ("--workers", "0"),
    ("--workers", "-2"),
    ("--workers", "four"),
    ("--workers", "2.5"),
    ("--workers", "100000"),
    ("--port", "0"),
    ("--port", "65536"),
    ("--port", "80;"),
    ("--user", "root"),
    ("--user", "app\nUser=root"),
    ("--user", "app;rm -rf /"),
    ("--user", "$(id)"),
    ("--user", "App"),
    ("--user", "a b"),
    ("--user", "x" * 33),
    ("--target", "heroku"),
    ("--target", "nginx,bogus"),
    ("--output", "/etc/nginx"),
    ("--output", "../elsewhere"),
    ("--output", "deploy/../.."),
    ("--output", "dep loy"),
    ("--app-dir", "srv/shop"),
    ("--app-dir", "/srv/../etc"),
    ("--app-dir", "/srv/my shop"),
    ("--app-dir", "/srv/shop;"),
]


@pytest.mark.parametrize(("option", "value"), BAD_INPUTS, ids=lambda v: repr(v)[:30])
def test_bad_input_is_one_error_and_a_hint_exit_2_nothing_written(
    invoke, flask_proj, option, value
):
    assert deploy(invoke, flask_proj, "--domain", DOMAIN).exit_code == 0
    before = contents(flask_proj)
    result = deploy(invoke, flask_proj, option, value)
    assert result.exit_code == 2
    assert contents(flask_proj) == before
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2, result.stderr
    assert lines[0].startswith("error: ")
    assert lines[1].strip().startswith("hint: ")
    assert "Traceback" not in result.output


def test_bad_input_on_a_first_run_creates_nothing(invoke, flask_proj):
    result = deploy(invoke, flask_proj, "--workers", "0")
    assert result.exit_code == 2
    assert generated(flask_proj) == set()


@pytest.mark.parametrize(
    ("option", "value", "marker"),
    [
        ("--domain", "example.com; return 200", "return 200"),
        ("--domain", "example.com\n    location / { return 200; }", "return 200;"),
        ("--user", "app\nExecStartPre=/bin/sh", "ExecStartPre=/bin/sh"),
        ("--app-dir", "/srv/x;\n    root /etc/secrets;", "/etc/secrets"),
    ],
)
def test_injection_is_refused_and_never_written(invoke, flask_proj, option, value, marker):
    result = deploy(invoke, flask_proj, option, value)
    assert result.exit_code == 2
    assert generated(flask_proj) == set()
    assert deploy(invoke, flask_proj, "--domain", DOMAIN).exit_code == 0
    result = deploy(invoke, flask_proj, option, value)
    assert result.exit_code == 2
    for relpath, data in contents(flask_proj).items():
        assert marker.encode() not in data, relpath


def test_a_tampered_manifest_is_validated_like_the_options(invoke, flask_proj):
    assert deploy(invoke, flask_proj, "--domain", DOMAIN).exit_code == 0
    path = flask_proj / "deploy/.webkit-manifest.json"
    manifest = json.loads(path.read_text())
    manifest["settings"]["domain"] = "evil.com;\n return 200"
    path.write_text(json.dumps(manifest))
    before = contents(flask_proj)
    result = deploy(invoke, flask_proj)
    assert result.exit_code == 2
    assert "not a valid host name" in result.stderr
    assert contents(flask_proj) == before


def test_an_unreadable_manifest_is_a_clear_error(invoke, flask_proj):
    assert deploy(invoke, flask_proj, "--domain", DOMAIN).exit_code == 0
    (flask_proj / "deploy/.webkit-manifest.json").write_text("{not json")
    before = contents(flask_proj)
    result = deploy(invoke, flask_proj)
    assert result.exit_code == 2
    assert "is not a manifest webkit can read" in result.stderr
    assert contents(flask_proj) == before


def test_outside_a_project(invoke, tmp_path):
    result = deploy(invoke, tmp_path, "--domain", DOMAIN)
    assert result.exit_code == 2
    assert "not inside a webkit project" in result.stderr
    assert "hint:" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_failure_while_writing_leaves_no_file_changed_and_no_temporary(
    invoke, flask_proj, monkeypatch
):
    assert deploy(invoke, flask_proj, "--domain", DOMAIN).exit_code == 0
    before = contents(flask_proj)
    real_stage = deploy_files._stage
    calls = []

    def failing_stage(target, content, mode):
        calls.append(target)
        if len(calls) == 5:
            raise OSError(28, "No space left on device")
        return real_stage(target, content, mode)

    monkeypatch.setattr(deploy_files, "_stage", failing_stage)
    result = deploy(invoke, flask_proj, "--domain", "new.example.org")
    assert result.exit_code == 1
    assert "No space left on device" in result.stderr
    assert len(calls) == 5
    assert contents(flask_proj) == before  # the four staged files never replaced anything
    assert not [p for p in flask_proj.rglob("*") if "webkit-tmp" in p.name]


def test_the_command_imports_jinja_only_when_it_renders():
    code = (
        "import sys\n"
        "from webkit_cli.cli import main\n"
        "try:\n    main(['deploy-config', '--help'])\nexcept SystemExit:\n    pass\n"
        "print('JINJA', 'jinja2' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert "--dry-run" in result.stdout
    assert "JINJA False" in result.stdout


# --- what the files say -------------------------------------------------------------------------


def test_flask_specifics(invoke, flask_proj):
    assert deploy(invoke, flask_proj, "--domain", DOMAIN).exit_code == 0
    assert 'wsgi_app = "wsgi:app"' in read(flask_proj, "deploy/gunicorn.conf.py")
    assert read(flask_proj, "Procfile") == (
        "web: gunicorn --config deploy/gunicorn.conf.py\n"
        "release: python -m flask --app my_shop db upgrade\n"
    )
    assert "alias /srv/my-shop/my_shop/static/;" in read(flask_proj, "deploy/nginx/my-shop.conf")
    compose = yaml.safe_load(read(flask_proj, "deploy/compose.yaml"))
    assert compose["services"]["migrate"]["command"] == [
        "python",
        "-m",
        "flask",
        "--app",
        "my_shop",
        "db",
        "upgrade",
    ]
    url = compose["x-app"]["environment"]["DATABASE_URL"]
    assert url == "postgresql+psycopg://my_shop:${POSTGRES_PASSWORD}@db:5432/my_shop"
    dockerfile = read(flask_proj, "deploy/Dockerfile")
    assert "APP_ENV=production" in dockerfile and "collectstatic" not in dockerfile
    unit = read(flask_proj, "deploy/systemd/my-shop.service")
    assert 'Environment="PROXY_FIX_X_FOR=1"' in unit
    assert "ExecStartPre=/srv/my-shop/.venv/bin/python -m flask --app my_shop db upgrade" in unit


def test_django_specifics(invoke, tmp_path):
    root = make_project(tmp_path / "my-shop", "django")
    assert deploy(invoke, root, "--domain", DOMAIN).exit_code == 0
    assert 'wsgi_app = "config.wsgi:application"' in read(root, "deploy/gunicorn.conf.py")
    assert "release: python manage.py migrate --noinput" in read(root, "Procfile")
    assert "alias /srv/my-shop/staticfiles/;" in read(root, "deploy/nginx/my-shop.conf")
    dockerfile = read(root, "deploy/Dockerfile")
    assert re.search(r"^RUN .*python manage\.py collectstatic --noinput$", dockerfile, re.M)
    for setting in ("DEBUG=0", f"ALLOWED_HOSTS={DOMAIN}", f"CSRF_TRUSTED_ORIGINS=https://{DOMAIN}"):
        assert setting in dockerfile
        assert f'Environment="{setting}"' in read(root, "deploy/systemd/my-shop.service")
    config = yaml.safe_load(read(root, "deploy/k8s/configmap.yaml"))["data"]
    assert config["DEBUG"] == "0" and config["ALLOWED_HOSTS"] == DOMAIN
    compose = yaml.safe_load(read(root, "deploy/compose.yaml"))
    assert compose["services"]["migrate"]["command"] == [
        "python",
        "manage.py",
        "migrate",
        "--noinput",
    ]
    assert compose["x-app"]["environment"]["DATABASE_URL"].startswith("postgres://my_shop:")
    assert "staticfiles/" in read(root, ".dockerignore").splitlines()


def test_every_deployment_answers_only_its_domain(invoke, proj):
    """ALLOWED_HOSTS is the domain wherever the app runs, and the probes ask for that host."""
    assert deploy(invoke, proj, "--domain", DOMAIN).exit_code == 0
    assert f'Environment="ALLOWED_HOSTS={DOMAIN}"' in read(proj, "deploy/systemd/my-shop.service")
    dockerfile = read(proj, "deploy/Dockerfile")
    assert re.search(rf"^    ALLOWED_HOSTS={re.escape(DOMAIN)} \\$", dockerfile, re.M)
    assert f"headers={{'Host': '{DOMAIN}'}}" in dockerfile  # the HEALTHCHECK
    # compose runs that image, and lets .env (its env_file) widen the list
    app = yaml.safe_load(read(proj, "deploy/compose.yaml"))["x-app"]
    assert app["build"]["dockerfile"] == "deploy/Dockerfile" and app["env_file"] == ".env"
    assert "ALLOWED_HOSTS" not in app["environment"]
    assert "ALLOWED_HOSTS" in read(proj, "deploy/.env.example")
    config = yaml.safe_load(read(proj, "deploy/k8s/configmap.yaml"))["data"]
    assert config["ALLOWED_HOSTS"] == DOMAIN


def test_compose_waits_for_a_healthy_database_and_runs_migrations_once(invoke, proj):
    assert deploy(invoke, proj, "--domain", DOMAIN, "--port", "8123").exit_code == 0
    compose = yaml.safe_load(read(proj, "deploy/compose.yaml"))
    services = compose["services"]
    assert services["db"]["image"].startswith("postgres:")
    assert "pg_isready" in services["db"]["healthcheck"]["test"]
    assert services["db"]["volumes"] == ["db-data:/var/lib/postgresql/data"]
    assert "db-data" in compose["volumes"]
    assert services["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert services["web"]["depends_on"] == {
        "db": {"condition": "service_healthy"},
        "migrate": {"condition": "service_completed_successfully"},
    }
    assert services["web"]["ports"] == ["127.0.0.1:8123:8123"]
    assert services["web"]["env_file"] == ".env"  # the secrets
    assert "${POSTGRES_PASSWORD" in services["db"]["environment"]["POSTGRES_PASSWORD"]


def test_kubernetes_manifests(invoke, proj):
    assert deploy(invoke, proj, "--domain", DOMAIN, "--workers", "5").exit_code == 0
    docs = [doc for path in (proj / "deploy/k8s").glob("*.yaml") for doc in yaml_docs(path)]
    kinds = sorted(doc["kind"] for doc in docs)
    assert kinds == sorted(
        [
            "ConfigMap",
            "Deployment",
            "HorizontalPodAutoscaler",
            "Ingress",
            "Job",
            "NetworkPolicy",
            "Service",
            "Service",
            "StatefulSet",
        ]
    )
    deployment = next(d for d in docs if d["kind"] == "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    (web,) = pod["containers"]
    assert deployment["spec"]["replicas"] >= 2
    for probe in ("readinessProbe", "livenessProbe"):
        assert web[probe]["httpGet"]["path"] == "/healthz"
        assert web[probe]["httpGet"]["httpHeaders"] == [{"name": "Host", "value": DOMAIN}]
    assert web["resources"]["requests"] and web["resources"]["limits"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] > 0
    assert web["securityContext"]["allowPrivilegeEscalation"] is False
    assert {"configMapRef": {"name": "my-shop-config"}} in web["envFrom"]
    assert {"secretRef": {"name": "my-shop-secrets"}} in web["envFrom"]
    config = next(d for d in docs if d["kind"] == "ConfigMap")
    assert config["data"]["WEB_CONCURRENCY"] == "5"
    job = next(d for d in docs if d["kind"] == "Job")
    assert job["spec"]["template"]["spec"]["containers"][0]["image"] == web["image"]
    ingress = next(d for d in docs if d["kind"] == "Ingress")
    assert ingress["spec"]["tls"][0]["hosts"] == [DOMAIN]
    hpa = next(d for d in docs if d["kind"] == "HorizontalPodAutoscaler")
    assert hpa["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
    # Only the app's own pods reach the database, which is restarted when it stops answering.
    database = next(d for d in docs if d["kind"] == "StatefulSet")
    database_labels = database["spec"]["template"]["metadata"]["labels"]
    (postgres,) = database["spec"]["template"]["spec"]["containers"]
    assert postgres["livenessProbe"]["exec"]["command"][0] == "pg_isready"
    policy = next(d for d in docs if d["kind"] == "NetworkPolicy")
    assert policy["spec"]["podSelector"]["matchLabels"] == database_labels
    (rule,) = policy["spec"]["ingress"]
    allowed = [peer["podSelector"]["matchLabels"] for peer in rule["from"]]
    assert allowed == [
        deployment["spec"]["template"]["metadata"]["labels"],
        job["spec"]["template"]["metadata"]["labels"],
    ]
    assert rule["ports"] == [{"protocol": "TCP", "port": 5432}]


def test_compose_services_are_hardened_like_the_pods(invoke, proj):
    assert deploy(invoke, proj, "--domain", DOMAIN).exit_code == 0
    services = yaml.safe_load(read(proj, "deploy/compose.yaml"))["services"]
    for name in ("web", "migrate", "db"):
        service = services[name]
        assert service["security_opt"] == ["no-new-privileges:true"], name
        assert service["cap_drop"] == ["ALL"], name
        assert service["deploy"]["resources"]["limits"]["memory"], name
    for name in ("web", "migrate"):
        assert services[name]["read_only"] is True
        assert services[name]["tmpfs"] == ["/tmp"]
        # gunicorn sees the host's CPUs: the workers for the container's limit of 1 CPU
        assert services[name]["environment"]["WEB_CONCURRENCY"] == "2"


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_sqlite_projects_get_postgres_and_are_told_why(invoke, tmp_path, database):
    lock = LOCK if database == "sqlite" else LOCK + "psycopg==3.2.9\npsycopg-binary==3.2.9\n"
    root = make_project(tmp_path / "my-shop", "flask", database, lock)
    assert deploy(invoke, root, "--domain", DOMAIN).exit_code == 0
    says_why = "replicas cannot share"
    for relpath in ("deploy/compose.yaml", "deploy/k8s/postgres.yaml"):
        assert (says_why in " ".join(read(root, relpath).split())) == (database == "sqlite")
    for relpath in ("deploy/compose.yaml", "deploy/k8s/migrate-job.yaml"):
        assert "DATABASE_URL" in read(root, relpath)
    # The image gets a PostgreSQL driver only when the lock file has none.
    assert ("psycopg[binary]" in read(root, "deploy/Dockerfile")) == (database == "sqlite")


MYSQL_LOCK = LOCK + "pymysql==1.1.2\n"


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_mysql_projects_deploy_on_mariadb(invoke, tmp_path, framework):
    root = make_project(tmp_path / "my-shop", framework, "mysql", MYSQL_LOCK)
    result = deploy(invoke, root, "--domain", DOMAIN)
    assert result.exit_code == 0, result.output
    assert "deploy/k8s/mysql.yaml" in generated(root)
    assert "deploy/k8s/postgres.yaml" not in generated(root)
    compose = yaml.safe_load(read(root, "deploy/compose.yaml"))
    db = compose["services"]["db"]
    assert db["image"].startswith("mariadb:")
    assert db["healthcheck"]["test"] == [
        "CMD",
        "healthcheck.sh",
        "--connect",
        "--innodb_initialized",
    ]
    assert db["volumes"] == ["db-data:/var/lib/mysql"]
    assert "--character-set-server=utf8mb4" in db["command"]
    assert db["environment"]["MARIADB_DATABASE"] == db["environment"]["MARIADB_USER"] == "my_shop"
    assert "${MARIADB_PASSWORD" in db["environment"]["MARIADB_PASSWORD"]
    scheme = {"flask": "mysql+pymysql://", "django": "mysql://"}[framework]
    url = compose["x-app"]["environment"]["DATABASE_URL"]
    assert url == f"{scheme}my_shop:${{MARIADB_PASSWORD}}@db:3306/my_shop"
    example = read(root, "deploy/.env.example")
    assert "MARIADB_PASSWORD=\n" in example and "POSTGRES" not in example
    docs = yaml_docs(root / "deploy/k8s/mysql.yaml")
    service, statefulset = docs
    assert service["spec"]["ports"][0]["port"] == 3306
    (container,) = statefulset["spec"]["template"]["spec"]["containers"]
    assert container["image"].startswith("mariadb:")
    assert container["readinessProbe"]["exec"]["command"][0] == "healthcheck.sh"
    env = {item["name"]: item for item in container["env"]}
    assert env["MARIADB_PASSWORD"]["valueFrom"]["secretKeyRef"]["key"] == "MARIADB_PASSWORD"
    deployment = read(root, "deploy/k8s/deployment.yaml")
    assert f"{scheme}my_shop:$(MARIADB_PASSWORD)@my-shop-mysql:3306/my_shop" in deployment
    # the lock file has the driver: the image installs nothing else
    assert "pymysql" not in read(root, "deploy/Dockerfile")


def test_dockerfile_shape(invoke, proj):
    assert deploy(invoke, proj, "--domain", DOMAIN).exit_code == 0
    dockerfile = read(proj, "deploy/Dockerfile")
    assert len(re.findall(r"^FROM ", dockerfile, re.M)) == 2
    # The locked packages with their hashes, and nothing else (no dependency of theirs).
    assert "COPY deploy/requirements-hashed.lock ./\n" in dockerfile
    assert re.search(
        r"pip install --no-cache-dir --require-hashes --no-deps \\\n +--requirement "
        r"requirements-hashed\.lock\n",
        dockerfile,
    )
    assert "--requirement requirements.lock" not in dockerfile
    assert re.search(r"^USER 10001:10001$", dockerfile, re.M)
    assert re.search(r"^HEALTHCHECK .*\n.*/healthz", dockerfile, re.M)
    assert dockerfile.rstrip().endswith('CMD ["gunicorn", "--config", "deploy/gunicorn.conf.py"]')
    assert "runserver" not in dockerfile and "flask run" not in dockerfile
    ignored = read(proj, ".dockerignore").splitlines()
    for entry in ("**/.env", ".venv/", ".git/"):
        assert entry in ignored


def test_generated_python_passes_ruff(invoke, proj):
    assert deploy(invoke, proj, "--domain", DOMAIN).exit_code == 0
    ruff = need_tool("ruff", str(VENV_BIN / "ruff"))
    conf = str(proj / "deploy/gunicorn.conf.py")
    rules = "E,W,F,I,B,UP,SIM,C4"
    for argv in (
        [ruff, "check", "--isolated", "--no-cache", "--select", rules, "--line-length", "100"],
        [ruff, "format", "--isolated", "--no-cache", "--check", "--line-length", "100"],
    ):
        result = subprocess.run([*argv, conf], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr


def test_gunicorn_settings_come_from_the_environment(invoke, flask_proj, monkeypatch):
    assert deploy(invoke, flask_proj, "--domain", DOMAIN, "--port", "8123").exit_code == 0
    source = read(flask_proj, "deploy/gunicorn.conf.py")

    def settings(env: dict[str, str]) -> dict:
        for name in ("GUNICORN_BIND", "PORT", "WEB_CONCURRENCY", "GUNICORN_CONTROL_SOCKET"):
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        namespace: dict = {}
        exec(compile(source, "gunicorn.conf.py", "exec"), namespace)  # noqa: S102
        return namespace

    default = settings({})
    assert default["bind"] == ["127.0.0.1:8123"]
    # one per CPU, two at least: the project's own gunicorn.conf.py's formula
    assert default["workers"] == max(2, len(os.sched_getaffinity(0)))
    assert default["worker_class"] == "gthread"
    assert default["max_requests"] >= 50000  # a recycled worker re-imports the app
    assert default["max_requests"] > 0 and default["max_requests_jitter"] > 0
    assert default["timeout"] > default["graceful_timeout"] > 0
    assert default["forwarded_allow_ips"] == "127.0.0.1,::1"
    assert default["control_socket_disable"] is True
    assert "%({x-forwarded-for}i)s" in default["access_log_format"]
    assert settings({"PORT": "5000"})["bind"] == ["0.0.0.0:5000"]
    tuned = settings({"GUNICORN_BIND": "unix:/run/x.sock", "WEB_CONCURRENCY": "7"})
    assert tuned["bind"] == ["unix:/run/x.sock"] and tuned["workers"] == 7
    with pytest.raises(SystemExit, match="WEB_CONCURRENCY must be a whole number"):
        settings({"WEB_CONCURRENCY": "many"})


# --- the real validators ------------------------------------------------------------------------

NGINX_CONF = """\
worker_processes 1;
worker_rlimit_nofile 1024;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log;
{user}
events {{
    worker_connections 64;
}}

http {{
    types {{
        text/html html;
        text/css css;
        application/javascript js;
        image/svg+xml svg;
        application/json json;
    }}
    default_type application/octet-stream;
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {prefix}/site.conf;
}}
"""


def nginx_setup(
    site: str, domain: str, prefix: Path, ports: tuple[int, int] | None = None, user: str = ""
) -> Path:
    """The generated site inside a minimal nginx.conf, with a throwaway certificate.

    Only the certificate directory changes (and, with `ports`, the listen addresses, to
    loopback ports); everything else is the file as generated.
    """
    prefix.mkdir(parents=True, exist_ok=True)
    openssl = need_tool("openssl")
    request = f"req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN={domain}"
    name = f"subjectAltName=DNS:{domain}"
    key, cert = str(prefix / "privkey.pem"), str(prefix / "fullchain.pem")
    argv = [openssl, *request.split(), "-addext", name, "-keyout", key, "-out", cert]
    subprocess.run(argv, check=True, capture_output=True)
    certs = f"/etc/letsencrypt/live/{domain}/"
    assert site.count(certs) == 2
    site = site.replace(certs, f"{prefix}/")
    if ports is not None:
        http_port, https_port = ports
        site, n_http = re.subn(r"listen 80\b", f"listen 127.0.0.1:{http_port}", site)
        site, n_https = re.subn(r"listen 443\b", f"listen 127.0.0.1:{https_port}", site)
        site, n_v6 = re.subn(r"\n\s*listen \[::\]:\d+[^;]*;", "", site)
        assert (n_http, n_https, n_v6) == (2, 2, 4)
    (prefix / "site.conf").write_text(site)
    conf = prefix / "nginx.conf"
    conf.write_text(NGINX_CONF.format(prefix=prefix, user=user))
    return conf


def nginx_test(conf: Path) -> subprocess.CompletedProcess:
    nginx = need_tool("nginx", "/usr/sbin/nginx")
    prefix = conf.parent
    return subprocess.run(
        [nginx, "-t", "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")],
        capture_output=True,
        text=True,
    )


def gixy(conf: Path) -> subprocess.CompletedProcess:
    tool = need_tool("gixy", str(VENV_BIN / "gixy"))
    return subprocess.run([tool, str(conf)], capture_output=True, text=True)


def hadolint(path: Path) -> subprocess.CompletedProcess:
    tool = need_tool("hadolint", str(VENV_BIN / "hadolint"))
    return subprocess.run([tool, "--no-color", str(path)], capture_output=True, text=True)


def compose_schema(path: Path) -> subprocess.CompletedProcess:
    tool = need_tool("check-jsonschema", str(VENV_BIN / "check-jsonschema"))
    return subprocess.run(
        [tool, "--builtin-schema", "vendor.compose-spec", str(path)], capture_output=True, text=True
    )


def yamllint(*paths: Path) -> subprocess.CompletedProcess:
    tool = need_tool("yamllint", str(VENV_BIN / "yamllint"))
    return subprocess.run(
        [tool, "--strict", "--format", "parsable", *map(str, paths)],
        capture_output=True,
        text=True,
    )


def kubernetes_validate(*paths: Path) -> subprocess.CompletedProcess:
    tool = need_tool("kubernetes-validate", str(VENV_BIN / "kubernetes-validate"))
    return subprocess.run([tool, "--strict", *map(str, paths)], capture_output=True, text=True)


def systemd_security(unit: Path) -> tuple[float, str]:
    tool = need_tool("systemd-analyze")
    result = subprocess.run(
        [tool, "security", "--offline=yes", "--no-pager", str(unit)],
        capture_output=True,
        text=True,
    )
    match = re.search(r"Overall exposure level for \S+: ([0-9.]+)", result.stdout)
    assert match, result.stdout + result.stderr
    return float(match[1]), result.stdout


def check_static(root: Path, output: Path, tmp: Path) -> None:
    """Every validator that needs no running program, on the files in `output`."""
    domain = json.loads((output / ".webkit-manifest.json").read_text())["settings"]["domain"]
    name = next((output / "nginx").glob("*.conf"))
    conf = nginx_setup(name.read_text(), domain, tmp / "nginx")
    result = nginx_test(conf)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr
    result = gixy(conf)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No issues found" in result.stdout

    for unit in (output / "systemd").glob("*.service"):  # the web's, and a worker's
        score, report = systemd_security(unit)
        assert score <= 2.0, report

    result = hadolint(output / "Dockerfile")
    assert result.returncode == 0 and result.stdout == "", result.stdout

    result = compose_schema(output / "compose.yaml")
    assert result.returncode == 0, result.stdout + result.stderr
    manifests = sorted((output / "k8s").glob("*.yaml"))
    result = yamllint(output / "compose.yaml", *manifests)
    assert result.returncode == 0 and result.stdout == "", result.stdout

    result = kubernetes_validate(*manifests)
    assert result.returncode == 0, result.stdout + result.stderr
    # one "passed" line per resource (the database's file holds two, redis.yaml three)
    resources = sum(len(yaml_docs(manifest)) for manifest in manifests)
    assert result.stdout.count(" passed ") == resources, result.stdout


@pytest.mark.e2e
@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("database", ["sqlite", "postgres", "mysql"])
def test_validators_accept_the_files(invoke, tmp_path, framework, database):
    lock = {"sqlite": LOCK, "postgres": LOCK + "psycopg==3.2.9\n", "mysql": MYSQL_LOCK}[database]
    root = make_project(tmp_path / "my-shop", framework, database, lock)
    result = deploy(invoke, root, "--domain", DOMAIN, "--workers", "4", "--port", "8123")
    assert result.exit_code == 0, result.output
    check_static(root, root / "deploy", tmp_path)


@pytest.mark.e2e
@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("jobs", ["database", "redis"])
def test_validators_accept_the_files_of_a_project_with_jobs(invoke, tmp_path, framework, jobs):
    root = make_project(tmp_path / "my-shop", framework, "postgres", LOCK, jobs=jobs)
    result = deploy(invoke, root, "--domain", DOMAIN)
    assert result.exit_code == 0, result.output
    assert (root / "deploy/systemd/my-shop-worker.service").is_file()
    check_static(root, root / "deploy", tmp_path)


@pytest.mark.e2e
def test_validators_reject_broken_files(invoke, tmp_path):
    """Each tool fails on a file with the very mistake it is here to catch."""
    root = make_project(tmp_path / "my-shop", "flask")
    assert deploy(invoke, root, "--domain", DOMAIN).exit_code == 0
    out = root / "deploy"
    broken = tmp_path / "broken"
    broken.mkdir()

    site = (out / "nginx/my-shop.conf").read_text()
    # the add_header trap: a location with its own add_header and no repeated security headers
    trap = re.sub(
        r"\n\s*# The server's security headers again.*?(?=\n    \})", "", site, flags=re.S
    )
    assert trap != site
    assert gixy(nginx_setup(trap, DOMAIN, broken / "trap")).returncode != 0
    typo = site.replace("client_max_body_size 10m;", "client_max_body_size 10m")
    assert nginx_test(nginx_setup(typo, DOMAIN, broken / "typo")).returncode != 0

    unit = (out / "systemd/my-shop.service").read_text()
    bare = broken / "bare.service"
    bare.write_text(unit.split("# Hardening")[0] + "\n[Install]\nWantedBy=multi-user.target\n")
    assert systemd_security(bare)[0] > 2.0

    dockerfile = broken / "Dockerfile"
    dockerfile.write_text(
        (out / "Dockerfile").read_text().replace("USER 10001:10001\n", "")
        + "RUN pip install flask\n"
    )
    assert hadolint(dockerfile).stdout != ""

    compose = yaml.safe_load((out / "compose.yaml").read_text())
    compose["services"]["web"]["depends_on"]["migrate"]["condition"] = "after_migrations"
    bad_compose = broken / "compose.yaml"
    bad_compose.write_text(yaml.safe_dump(compose))
    assert compose_schema(bad_compose).returncode != 0

    docs = yaml_docs(out / "k8s/deployment.yaml")
    docs[0]["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGett"] = {}
    bad_manifest = broken / "deployment.yaml"
    bad_manifest.write_text(yaml.safe_dump(docs[0]))
    assert kubernetes_validate(bad_manifest).returncode != 0

    long_line = broken / "long.yaml"
    long_line.write_text("---\nkey: " + "x" * 100 + "\n")
    assert yamllint(long_line).returncode != 0


def test_tools_are_found_where_ci_installs_them():
    """Under WEBKIT_REQUIRE_TOOLS=1 a missing tool fails here too, not only in the e2e tests."""
    for name in ("gixy", "hadolint", "check-jsonschema", "yamllint", "kubernetes-validate"):
        need_tool(name, str(VENV_BIN / name))
    for name in ("nginx", "openssl", "systemd-analyze"):
        need_tool(name, shutil.which(name) or f"/usr/sbin/{name}")


# --- background jobs: the worker wherever the web runs ------------------------------------------


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("jobs", ["database", "redis"])
def test_a_project_with_jobs_gets_its_worker_everywhere_the_web_runs(
    invoke, tmp_path, framework, jobs
):
    root = make_project(tmp_path / "my-shop", framework, jobs=jobs)
    result = deploy(invoke, root, "--domain", DOMAIN)
    assert result.exit_code == 0, result.output
    worker = {
        "flask": ["python", "-m", "flask", "--app", "my_shop", "worker"],
        "django": ["python", "manage.py", "run_huey"],
    }[framework]
    redis = jobs == "redis"
    assert generated(root) == ALL_FILES | {
        "deploy/systemd/my-shop-worker.service",
        "deploy/k8s/worker.yaml",
        *(["deploy/k8s/redis.yaml"] if redis else []),
    }

    assert f"worker: {' '.join(worker)}\n" in read(root, "Procfile")

    compose = yaml.safe_load(read(root, "deploy/compose.yaml"))["services"]
    assert compose["worker"]["command"] == worker
    assert compose["worker"]["image"] == compose["web"]["image"]
    assert compose["worker"]["depends_on"]["migrate"] == {
        "condition": "service_completed_successfully"
    }
    assert ("redis" in compose) == redis
    if redis:
        assert compose["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
        for service in ("web", "worker"):
            assert compose[service]["depends_on"]["redis"] == {"condition": "service_healthy"}
            assert compose[service]["environment"]["REDIS_URL"] == "redis://redis:6379/0"

    unit = read(root, "deploy/systemd/my-shop-worker.service")
    assert f"ExecStart=/srv/my-shop/.venv/bin/python {' '.join(worker[1:])}\n" in unit
    assert "ExecStartPre" not in unit  # the web's unit migrates
    assert "After=network-online.target my-shop.service" in unit

    deployment = yaml_docs(root / "deploy/k8s/worker.yaml")[0]
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert container["command"] == worker
    assert container["resources"]["limits"] and container["livenessProbe"]["exec"]
    assert "readinessProbe" not in container  # it serves no traffic
    labels = deployment["spec"]["selector"]["matchLabels"]
    assert labels["app.kubernetes.io/component"] == "worker"  # scaled apart from the web
    policy = yaml_docs(root / "deploy/k8s/networkpolicy.yaml")[0]
    allowed = [rule["podSelector"]["matchLabels"] for rule in policy["spec"]["ingress"][0]["from"]]
    assert labels in allowed  # the workers reach the database
    config = yaml_docs(root / "deploy/k8s/configmap.yaml")[0]["data"]
    assert ("REDIS_URL" in config) == redis


def test_a_project_without_jobs_gets_no_worker(invoke, flask_proj):
    assert deploy(invoke, flask_proj, "--domain", DOMAIN).exit_code == 0
    assert "worker" not in read(flask_proj, "Procfile")
    assert "worker" not in yaml.safe_load(read(flask_proj, "deploy/compose.yaml"))["services"]


# --- accounts: where their email goes, and where failed logins are counted --------------------


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("jobs", [None, "redis"])
def test_a_project_with_accounts_gets_its_email_settings_everywhere(
    invoke, tmp_path, framework, jobs
):
    root = make_project(tmp_path / "my-shop", framework, jobs=jobs, auth=True)
    result = deploy(invoke, root, "--domain", DOMAIN)
    assert result.exit_code == 0, result.output
    sender = f"noreply@{DOMAIN}"
    # Flask counts failed logins with Flask-Limiter (in Redis when the project has one);
    # Django's django-axes counts them in the database.
    limits = "RATELIMIT_STORAGE_URI" if framework == "flask" else None

    example = read(root, "deploy/.env.example")
    assert "\nEMAIL_URL=\n" in example  # a secret, to fill in
    assert f"# DEFAULT_FROM_EMAIL={sender}\n" in example
    assert ("RATELIMIT_STORAGE_URI" in example) == bool(limits)

    for unit in ("deploy/systemd/my-shop.service", "deploy/systemd/my-shop-worker.service"):
        if not (root / unit).exists():
            continue
        text = read(root, unit)
        assert 'Environment="EMAIL_URL=smtp://localhost:25"' in text  # the env file wins
        assert f'Environment="DEFAULT_FROM_EMAIL={sender}"' in text
        if limits:
            url = "redis://127.0.0.1:6379/1" if jobs else "memory://"
            assert f'Environment="{limits}={url}"' in text
        else:
            assert "RATELIMIT" not in text

    compose = yaml.safe_load(read(root, "deploy/compose.yaml"))["services"]
    for service in ["web", *(["worker"] if jobs else [])]:
        environment = compose[service]["environment"]
        assert environment["EMAIL_URL"] == "${EMAIL_URL:?set EMAIL_URL in .env}"
        assert environment["DEFAULT_FROM_EMAIL"] == f"${{DEFAULT_FROM_EMAIL:-{sender}}}"
        if limits:
            url = "redis://redis:6379/1" if jobs else "memory://"
            assert environment[limits] == f"${{{limits}:-{url}}}"

    config = yaml_docs(root / "deploy/k8s/configmap.yaml")[0]["data"]
    assert config["DEFAULT_FROM_EMAIL"] == sender
    assert "EMAIL_URL" not in config  # a secret: in my-shop-secrets, from .env
    assert "EMAIL_URL" in read(root, "deploy/k8s/configmap.yaml")  # which says so
    if limits:
        assert config[limits] == ("redis://my-shop-redis:6379/1" if jobs else "memory://")
    # The image holds no mail server's address: `docker run --env-file` gives it.
    assert "EMAIL_URL" not in read(root, "deploy/Dockerfile")


def test_a_project_without_accounts_gets_no_email_settings(invoke, flask_proj):
    assert deploy(invoke, flask_proj, "--domain", DOMAIN).exit_code == 0
    for path in generated(flask_proj):
        text = read(flask_proj, path)
        assert "EMAIL" not in text and "RATELIMIT" not in text, path


@pytest.mark.e2e
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_validators_accept_the_files_of_a_project_with_accounts(invoke, tmp_path, framework):
    root = make_project(tmp_path / "my-shop", framework, "postgres", LOCK, jobs="redis", auth=True)
    result = deploy(invoke, root, "--domain", DOMAIN)
    assert result.exit_code == 0, result.output
    check_static(root, root / "deploy", tmp_path)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_no_comment_is_glued_to_the_line_before(invoke, tmp_path, framework):
    """A template tag at a line's end must not eat its newline: `.../staticfiles/# (put there
    by: ...` was one line in nginx.conf."""
    root = make_project(tmp_path / "my-shop", framework)
    assert deploy(invoke, root, "--domain", DOMAIN).exit_code == 0
    glued = [
        f"{path}: {line}"
        for path in sorted(generated(root))
        for line in read(root, path).splitlines()
        if re.search(r"[^\s#'\"]# ", line)
    ]
    assert glued == []
    site = read(root, "deploy/nginx/my-shop.conf")
    if framework == "django":
        assert "static files in /srv/my-shop/staticfiles/\n# (put there by: " in site


def test_the_readme_names_the_files_each_target_writes(invoke, tmp_path):
    """The README's table of deploy-config targets names the files as they are written."""
    from webkit_cli.deploy.outputs import FILES

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    readme = readme[readme.index("### `webkit deploy-config`") :]
    readme = readme[: readme.index("\n### ", 1)]
    rows = dict(re.findall(r"^\| `([a-z0-9]+)` \| (.+) \|$", readme, re.M))
    assert set(rows) == set(FILES)
    # with background jobs on Redis, so that every file is written (the worker's, Redis's)
    root = make_project(tmp_path / "my-shop", "flask", jobs="redis")
    assert deploy(invoke, root, "--domain", DOMAIN).exit_code == 0
    written = generated(root)
    for target, outputs in FILES.items():
        for output in outputs:
            # a SQLite project's deployment runs on PostgreSQL
            path = output.path.replace("{server}", "postgres").format(
                output="deploy", name="my-shop"
            )
            assert path in written, path
            if path == "deploy/.env.example":
                assert "also write `deploy/.env.example`" in readme
                continue
            shown = path.replace("my-shop", "<name>")
            named = f"`{shown}`" in rows[target] or (
                shown.startswith("deploy/k8s/") and f"`{shown.rsplit('/', 1)[1]}`" in rows[target]
            )
            assert named, (target, path, rows[target])


# --- the image's lock file with hashes ----------------------------------------------------------

POSTGRES_LOCK = LOCK + "psycopg==3.2.9\npsycopg-binary==3.2.9\n"


def hashed(root: Path) -> dict[str, tuple[str, list[str]]]:
    """{name: (version, [sha256, ...])} of deploy/requirements-hashed.lock."""
    text = read(root, "deploy/requirements-hashed.lock")
    found = {}
    for block in re.split(r"\n(?=[a-z])", text.split("\n\n")[-1] if "\n\n" in text else text):
        lines = [line for line in block.splitlines() if not line.startswith("#")]
        if not lines:
            continue
        name, _, version = lines[0].split(" ")[0].partition("==")
        found[name] = (version, re.findall(r"--hash=sha256:([0-9a-f]{64})", block))
    return found


def wheel_digest(wheels: Path, name: str, version: str) -> str:
    path = wheels / f"{name.replace('-', '_')}-{version}-py3-none-any.whl"
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_the_image_installs_exactly_the_lock_with_the_hashes_of_its_files(
    invoke, tmp_path, local_index, framework
):
    root = make_project(tmp_path / "my-shop", framework, "postgres", POSTGRES_LOCK)
    assert deploy(invoke, root, "--domain", DOMAIN).exit_code == 0
    pins = hashed(root)
    locked = dict(line.split("==") for line in POSTGRES_LOCK.splitlines() if "==" in line)
    assert {name: version for name, (version, _) in pins.items()} == locked
    for name, (version, digests) in pins.items():
        assert digests == [wheel_digest(local_index, name, version)], name
    lines = read(root, "deploy/requirements-hashed.lock").splitlines()
    for line in lines:  # a pin, a hash continuing it, or a comment: pip reads nothing else
        assert re.match(r"[a-z][a-z0-9-]*==\S+ \\$|    --hash=sha256:[0-9a-f]{64}$|#", line), line


def test_a_sqlite_projects_image_gets_its_postgres_driver_locked_with_hashes(invoke, flask_proj):
    assert deploy(invoke, flask_proj, "--domain", DOMAIN).exit_code == 0
    pins = {name: version for name, (version, _) in hashed(flask_proj).items()}
    assert pins == {
        "flask": "3.1.3",
        "gunicorn": "27.0.1",
        "psycopg": "3.2.9",
        "psycopg-binary": "3.2.9",
    }
    assert "psycopg[binary]" in read(flask_proj, "deploy/requirements-hashed.lock")
    assert all(digests for _, digests in hashed(flask_proj).values())


def test_a_repeat_costs_no_resolution(invoke, tmp_path, monkeypatch):
    first = make_project(tmp_path / "a" / "my-shop", "flask", "postgres", POSTGRES_LOCK)
    assert deploy(invoke, first, "--domain", DOMAIN).exit_code == 0
    expected = read(first, "deploy/requirements-hashed.lock")
    # No uv at all now: the same lock (here or in another project) comes from webkit's cache.
    monkeypatch.setattr("webkit_cli.installers.uv_binary", lambda: None)
    (first / "deploy/requirements-hashed.lock").unlink()
    assert deploy(invoke, first).exit_code == 0
    assert read(first, "deploy/requirements-hashed.lock") == expected
    second = make_project(tmp_path / "b" / "my-shop", "django", "postgres", POSTGRES_LOCK)
    assert deploy(invoke, second, "--domain", DOMAIN).exit_code == 0
    assert read(second, "deploy/requirements-hashed.lock") == expected
    # A changed lock file needs uv again, and says so.
    (first / "requirements.lock").write_text(POSTGRES_LOCK.replace("27.0.1", "27.0.0"))
    result = deploy(invoke, first)
    assert result.exit_code == 1
    assert "uv is needed" in result.output and "reinstall webkit" in result.output


def test_without_uv_it_is_one_error_and_a_hint_and_nothing_is_written(
    invoke, flask_proj, monkeypatch, tmp_path
):
    monkeypatch.setenv("WEBKIT_CACHE_DIR", str(tmp_path / "empty-cache"))
    monkeypatch.setattr("webkit_cli.installers.uv_binary", lambda: None)
    before = contents(flask_proj)
    result = deploy(invoke, flask_proj, "--domain", DOMAIN)
    assert result.exit_code == 1
    assert "uv is needed to write the image's lock file with hashes" in result.output
    assert "Traceback" not in result.output
    assert contents(flask_proj) == before
    # the targets that need no image are written without uv
    assert deploy(invoke, flask_proj, "--target", "nginx,systemd").exit_code == 0


def test_offline_it_is_one_error_and_a_hint(invoke, flask_proj, monkeypatch, tmp_path):
    monkeypatch.setenv("WEBKIT_CACHE_DIR", str(tmp_path / "empty-cache"))
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "empty-uv-cache"))
    for name in ("UV_OFFLINE", "UV_NO_INDEX", "UV_FIND_LINKS"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("UV_INDEX_URL", "http://127.0.0.1:9/simple")  # nothing listens there
    monkeypatch.setenv("UV_HTTP_RETRIES", "0")
    before = contents(flask_proj)
    result = deploy(invoke, flask_proj, "--domain", DOMAIN)
    assert result.exit_code == 1, result.output
    assert "uv could not reach the package index" in result.output
    assert "connect to the network" in result.output
    assert contents(flask_proj) == before


def test_a_lock_the_index_cannot_satisfy_is_one_error_and_a_hint(invoke, tmp_path):
    root = make_project(tmp_path / "my-shop", "flask", "postgres", LOCK + "psycopg==0.0.1\n")
    result = deploy(invoke, root, "--domain", DOMAIN)
    assert result.exit_code == 1, result.output
    assert "uv could not resolve requirements.lock for Python 3.12 on Linux" in result.output
    assert "webkit setup --upgrade" in result.output
    assert not (root / "deploy").exists()
