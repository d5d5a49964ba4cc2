"""Render the deployment files of a project from templates/deploy/.

What differs between frameworks comes from the Framework data (WSGI module, migrate command,
static files, production variables); what differs between projects from the Project; the
rest from the validated Settings. Nothing here branches on a framework's name.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from webkit_cli.deploy.outputs import FILES, Rendered, expand
from webkit_cli.deploy.settings import Settings
from webkit_cli.errors import StepFailed, UsageError
from webkit_cli.project import Project

if TYPE_CHECKING:
    import jinja2

    from webkit_cli.frameworks import Framework

# The unprivileged numeric user (and group) of the image and the pods.
UID = 10001


@dataclass(frozen=True)
class DatabaseServer:
    """The database server compose and Kubernetes run for the project."""

    title: str
    image: str
    port: int
    credential_env: str  # the variable of .env that holds the app user's password
    # Installed into the image when the project's lock file has no driver for it (a SQLite
    # project, which compose and Kubernetes run on PostgreSQL).
    driver: str
    driver_pins: re.Pattern[str]


SERVERS = {
    "postgres": DatabaseServer(
        title="PostgreSQL",
        image="postgres:17",
        port=5432,
        credential_env="POSTGRES_PASSWORD",
        driver="psycopg[binary]>=3.2,<4",
        driver_pins=re.compile(
            r"^\s*(psycopg|psycopg2|psycopg2-binary)(\[[^\]]*\])?\s*==", re.I | re.M
        ),
    ),
    "mysql": DatabaseServer(
        title="MariaDB",
        image="mariadb:11",
        port=3306,
        credential_env="MARIADB_PASSWORD",
        driver="pymysql[rsa]>=1.1,<2",
        driver_pins=re.compile(r"^\s*pymysql(\[[^\]]*\])?\s*==", re.I | re.M),
    ),
}
# Kubernetes appends suffixes such as "-postgres" and "-migrate" to names of at most 63.
MAX_NAME = 40


def resource_name(proj: Project) -> str:
    """The project's name as Kubernetes, systemd and nginx want it: my-shop."""
    raw = proj.pyproject.get("project", {}).get("name") or proj.package
    name = re.sub(r"[^a-z0-9]+", "-", str(raw).lower()).strip("-")
    name = name[:MAX_NAME].rstrip("-")
    if not re.fullmatch(r"[a-z]([a-z0-9-]*[a-z0-9])?", name):
        raise UsageError(
            f"cannot make a resource name from the project name {raw!r}",
            "set [project] name in pyproject.toml to letters, digits and hyphens",
        )
    return name


def default_app_dir(proj: Project) -> str:
    return f"/srv/{resource_name(proj)}"


def _python_version(proj: Project) -> str:
    version = str(proj.answers.get("python_version") or "3.12")
    if not re.fullmatch(r"3\.[0-9]{1,2}", version):
        raise UsageError(
            f"pyproject.toml: [tool.webkit.answers] python_version = {version!r} is not "
            "a Python version",
            'set it to the major.minor version the project runs on, e.g. "3.12"',
        )
    return version


def _image_tag(proj: Project) -> str:
    version = str(proj.pyproject.get("project", {}).get("version") or "latest")
    return version if re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}", version) else "latest"


def _server(proj: Project) -> str:
    """The server of the deployment: the project's own, PostgreSQL for a SQLite project."""
    return "mysql" if proj.answers.get("database", "sqlite") == "mysql" else "postgres"


def _needs_driver(proj: Project, server: DatabaseServer) -> bool:
    try:
        lock = proj.lock_file.read_text(encoding="utf-8")
    except OSError:
        return True
    return not server.driver_pins.search(lock)


def context(proj: Project, settings: Settings) -> dict[str, Any]:
    fw = proj.framework
    name = resource_name(proj)
    package = proj.package
    output = settings.output
    database = proj.answers.get("database", "sqlite")
    server_name = _server(proj)
    server = SERVERS[server_name]
    db = package  # the database and its user: the package name is a valid identifier
    env = {**fw.prod_env, **fw.deploy_env}
    env = {key: value.format(domain=settings.domain) for key, value in env.items()}
    # In a container the CPU count is the host's, not the limit's: the workers for the limit
    # (CONTAINER_CPUS), by gunicorn.conf.py's formula, one per CPU and two at least.
    workers = str(settings.workers or max(2, CONTAINER_CPUS))
    container_env = {"FORWARDED_ALLOW_IPS": "*", "WEB_CONCURRENCY": workers}
    k8s_env = {**env, "WEB_CONCURRENCY": workers, "FORWARDED_ALLOW_IPS": "*"}
    jobs = proj.record.features.get("jobs") if proj.record is not None else None
    worker = ["python", *fw.argv(fw.worker, package=package)] if jobs and fw.worker else None
    uses_redis = bool(jobs) and jobs.get("backend") == "redis"
    if uses_redis:
        k8s_env["REDIS_URL"] = f"redis://{name}-redis:6379/0"
    auth = proj.record.features.get("auth") if proj.record is not None else None
    accounts = accounts_env(fw, settings.domain, name, uses_redis) if auth is not None else {}
    env = {**env, **accounts.get("env", {})}
    container_env = {**container_env, **accounts.get("compose", {})}
    k8s_env = {**k8s_env, **accounts.get("k8s", {})}
    build_env = "".join(f"{key}={shlex.quote(value)} " for key, value in fw.build_env.items())
    static_rel = fw.static_root.format(package=package)
    migrate_argv = ["python", *fw.argv(fw.migrate, package=package)]
    prepare = [" ".join(fw.argv(cmd, package=package)) for cmd in fw.prod_prepare]

    scheme = fw.url_schemes[server_name]

    def server_url(credential: str, host: str) -> str:
        return f"{scheme}{db}:{credential}@{host}:{server.port}/{db}"

    return {
        "project_name": name,  # validated; the typed name could hold quotes
        "name": name,
        "package": package,
        "upstream": f"{package}_app",
        "version": _image_tag(proj),
        "image": f"{name}:{_image_tag(proj)}",
        "python_version": _python_version(proj),
        "domain": settings.domain,
        "workers": settings.workers,
        "port": settings.port,
        "user": settings.user,
        "uid": UID,
        "app_dir": settings.app_dir,
        "output": output,
        "context": "/".join([".."] * len(output.split("/"))),
        "gunicorn_conf": f"{output}/gunicorn.conf.py",
        "wsgi_app": fw.wsgi_app,
        "health_path": fw.health_path,
        "static_url": fw.static_url,
        "static_rel": static_rel,
        "static_dir": f"{settings.app_dir}/{static_rel}",
        "migrate_argv": migrate_argv,
        "migrate_command": " ".join(migrate_argv[1:]),
        "prepare_commands": [f"{build_env}.venv/bin/python {cmd}" for cmd in prepare],
        "build_prepare": [f"{build_env}python {cmd}" for cmd in prepare],
        "env": env,
        "systemd_env": accounts.get("systemd", {}),
        "container_env": container_env,
        "k8s_env": k8s_env,
        "uses_sqlite": database == "sqlite",
        "sqlite_url": f"sqlite:////var/lib/{name}/{package}.db",
        "db_name": db,
        "db_user": db,
        "db_server": server_name,
        "db_title": server.title,
        "db_image": server.image,
        "db_port": server.port,
        "db_password": server.credential_env,
        "db_scheme": scheme,
        # compose interpolates ${...}; Kubernetes expands $(...) from the container's variables
        "database_url": server_url(f"${{{server.credential_env}}}", "db"),
        "k8s_database_url": server_url(f"$({server.credential_env})", f"{name}-{server_name}"),
        "driver": server.driver if _needs_driver(proj, server) else None,
        "container_cpus": CONTAINER_CPUS,
        # Background jobs: their worker runs wherever the web runs; with Redis, Redis too.
        "worker": worker,
        "worker_command": " ".join(worker[1:]) if worker else "",
        "uses_redis": uses_redis,
        "uses_auth": auth is not None,
        "rate_limit_env": fw.rate_limit_env if auth is not None else None,
        "redis_image": REDIS_IMAGE,
        "redis_url": "redis://redis:6379/0",
    }


def accounts_env(
    fw: Framework, domain: str, name: str, uses_redis: bool
) -> dict[str, dict[str, str]]:
    """The accounts' settings for each target ("env": systemd and the image alike): where
    email goes (EMAIL_URL, a secret: the environment file has it; systemd's default is the
    server's own mail relay, and compose refuses to start without it), who sends it, and where
    failed logins are counted (in Redis when the project has one, else in each process). The
    environment file wins everywhere."""
    sender = f"noreply@{domain}"
    systemd = {"EMAIL_URL": "smtp://localhost:25"}
    compose = {
        "EMAIL_URL": "${EMAIL_URL:?set EMAIL_URL in .env}",
        "DEFAULT_FROM_EMAIL": f"${{DEFAULT_FROM_EMAIL:-{sender}}}",
    }
    k8s = {"DEFAULT_FROM_EMAIL": sender}  # EMAIL_URL is in the Secret
    if fw.rate_limit_env:
        hosts = {"systemd": "127.0.0.1", "compose": "redis", "k8s": f"{name}-redis"}
        urls = {
            target: f"redis://{host}:6379/1" if uses_redis else "memory://"
            for target, host in hosts.items()
        }
        systemd[fw.rate_limit_env] = urls["systemd"]
        compose[fw.rate_limit_env] = f"${{{fw.rate_limit_env}:-{urls['compose']}}}"
        k8s[fw.rate_limit_env] = urls["k8s"]
    return {
        "env": {"DEFAULT_FROM_EMAIL": sender},
        "systemd": systemd,
        "compose": compose,
        "k8s": k8s,
    }


# The CPU limit of an app container (compose and Kubernetes alike).
CONTAINER_CPUS = 1
# The background jobs' broker, for a project whose queue is in Redis.
REDIS_IMAGE = "redis:8"

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _check(value: Any) -> None:
    """Defence in depth: every value is validated before it gets here, but a line break (or
    any control character) inside a value could start a new directive in any of these formats.
    """
    if isinstance(value, dict):
        for key, item in value.items():
            _check(key)
            _check(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _check(item)
    elif isinstance(value, str) and _CONTROL.search(value):
        raise StepFailed(
            f"refusing to write a value with a control character: {value!r}",
            "check pyproject.toml's [project] and [tool.webkit] tables; "
            "if they look right, report this as a webkit bug",
        )


def environment(root: Path) -> jinja2.Environment:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(root)),
        undefined=jinja2.StrictUndefined,
        # B701: nginx, systemd, YAML and Dockerfiles are not HTML, and HTML escaping would
        # corrupt them; every value is validated against a strict pattern before it gets here.
        autoescape=False,  # noqa: S701  # nosec B701
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["yaml"] = json.dumps  # a JSON string or list is valid YAML
    return env


def templates_dir() -> Path:
    from webkit_cli.template_store import templates_root

    root = templates_root() / "deploy"
    if not root.is_dir():
        raise StepFailed(
            f"the deploy templates are missing from this webkit installation ({root})",
            "reinstall webkit: pip install --force-reinstall webkit-cli",
        )
    return root


def _hashed_lock(proj: Project, values: dict[str, Any]) -> str:
    from webkit_cli.deploy.hashes import hashed_lock

    extra = (values["driver"],) if values["driver"] else ()
    return hashed_lock(proj.lock_file, extra, values["python_version"])


def _hashed_lock_is_current(proj: Project, values: dict[str, Any], written: str) -> bool:
    from webkit_cli.deploy.hashes import is_current

    extra = (values["driver"],) if values["driver"] else ()
    return is_current(proj.lock_file, extra, values["python_version"], written)


MAKERS = {"hashed_lock": _hashed_lock}
# Whether a made file on disk is what its maker would make now, told without making it again
# (which may need a tool or the network).
CURRENT = {"hashed_lock": _hashed_lock_is_current}


def render(
    proj: Project,
    settings: Settings,
    targets: tuple[str, ...],
    written: Mapping[str, str] | None = None,
) -> list[Rendered]:
    """Every file of `targets` (and what they need), rendered; nothing is written. With
    `written` (the files as they are on disk), a made file is not made again but checked: what
    is on disk when it is current, else an empty text."""
    values = context(proj, settings)
    _check(values)
    env = environment(templates_dir())
    files: dict[str, Rendered] = {}
    for target in expand(targets):
        for out in FILES[target]:
            names = {"output": settings.output, "name": values["name"]}
            server = values["db_server"]
            path = out.path.replace("{server}", server).format(**names)
            if path in files or (out.when and not values[out.when]):
                continue  # shared by several targets (.env.example), or not for this project
            if out.made and written is not None:
                # Told from the file on disk, without making it again: as it is when current,
                # else nothing (which differs from what was written, so it shows as behind).
                on_disk = written.get(path, "")
                current = CURRENT[out.template](proj, values, on_disk)
                content = on_disk if current else ""
            elif out.made:
                content = MAKERS[out.template](proj, values)
            else:
                content = env.get_template(out.template.replace("{server}", server)).render(values)
            files[path] = Rendered(path=path, target=target, content=content)
    return list(files.values())
