"""`webkit serve`: the project running in one command (dev server, or gunicorn with --prod)."""

from __future__ import annotations

import errno
import socket
import time

import click

from webkit_cli import console, project, project_commands, runner, virtualenvs
from webkit_cli.errors import StepFailed, UsageError

DEFAULT_PORT = 8000
MISSING_KEY_HINT = (
    "add SECRET_KEY to .env or the environment, e.g. "
    "SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')"
)


def _port_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return False
            raise
    return True


def _free_port(host: str, start: int = 0) -> int:
    """The first free port from `start` upwards, or any free port when start is 0."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    if start == 0:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.bind((host, 0))
            return probe.getsockname()[1]
    for candidate in range(start, min(start + 100, 65536)):
        if _port_free(host, candidate):
            return candidate
    return _free_port(host, 0)


def choose_port(host: str, port: int) -> int:
    try:
        if port == 0:
            return _free_port(host)
        if _port_free(host, port):
            return port
    except socket.gaierror:
        raise UsageError(
            f"--host {host} is not an address of this machine",
            "use 127.0.0.1 (this machine only) or 0.0.0.0 (every interface)",
        ) from None
    except OSError as exc:
        raise UsageError(
            f"cannot listen on {host}:{port}: {exc.strerror}",
            "use 127.0.0.1 or 0.0.0.0, and a port above 1023",
        ) from None
    suggestion = _free_port(host, port + 1)
    raise UsageError(
        f"port {port} on {host} is already in use",
        f"stop what is using it, or try --port {suggestion} (--port 0 picks a free one)",
    )


def server_env(proj: project.Project, prod: bool, host: str) -> dict[str, str]:
    """.env, overridden by the environment, overridden by the mode's own variables."""
    import os

    fw = proj.framework
    values = {**proj.dotenv(), **os.environ}
    if prod:
        local = {k: v for k, v in fw.local_prod_env.items() if k not in os.environ}
        values.update(local)
        values.update(fw.prod_env)
        if not values.get("SECRET_KEY"):
            raise UsageError(
                "SECRET_KEY is not set in the environment or in .env", MISSING_KEY_HINT
            )
        # B104 false positive: recognises the wildcard addresses the user chose; binds nothing
        hosts = {host, "localhost", "127.0.0.1"} - {"0.0.0.0", "::"}  # noqa: S104  # nosec B104
        if "ALLOWED_HOSTS" not in os.environ:
            values["ALLOWED_HOSTS"] = ",".join(sorted(hosts | {socket.gethostname()}))
    else:
        values.update(fw.dev_env)
    return runner.child_env(values, venv=proj.venv)


def _wait_until_answering(host: str, port: int, path: str, child, timeout: float = 60.0) -> bool:
    """True once the server answers an HTTP request (any status): the port alone is not enough,
    since a reloader's parent listens before its child has imported the application."""
    import http.client

    # B104 false positive: a wildcard address is reached through loopback; nothing binds here
    connect_host = "127.0.0.1" if host in ("0.0.0.0", "") else ("::1" if host == "::" else host)  # noqa: S104  # nosec B104
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and child.poll() is None:
        connection = http.client.HTTPConnection(
            connect_host, port, timeout=max(1.0, deadline - time.monotonic())
        )
        try:
            connection.request("GET", path, headers={"Host": f"{connect_host}:{port}"})
            connection.getresponse().read()
            return True
        except (OSError, http.client.HTTPException):
            time.sleep(0.05)
        finally:
            connection.close()
    return False


def _ensure_venv(proj: project.Project, setup_now: bool) -> None:
    state = virtualenvs.venv_problem(proj.python)
    if state is None:
        return
    if not setup_now:
        raise StepFailed(
            f"the project's .venv is {state}",
            "run `webkit setup` to (re)create it, or `webkit serve --setup` to do it now",
        )
    from webkit_cli.commands.setup import setup as setup_command

    click.get_current_context().invoke(setup_command)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "-p",
    "--port",
    type=click.IntRange(0, 65535),
    default=DEFAULT_PORT,
    show_default=True,
    help="Port (0 picks a free one).",
)
@click.option("--prod", is_flag=True, help="gunicorn with production settings, as deployed.")
@click.option("--migrate", is_flag=True, help="Apply pending migrations first.")
@click.option("--setup", "setup_now", is_flag=True, help="Create or repair .venv first.")
@click.option("--open", "open_browser", is_flag=True, help="Open the page in a browser.")
@click.option(
    "--no-worker", is_flag=True, help="With background jobs: the web server alone, no worker."
)
def serve(
    host: str,
    port: int,
    prod: bool,
    migrate: bool,
    setup_now: bool,
    open_browser: bool,
    no_worker: bool,
) -> None:
    """Run the project: the framework's dev server with reload, or gunicorn with --prod."""
    proj = project.find()
    fw = proj.framework
    _ensure_venv(proj, setup_now)
    env = server_env(proj, prod, host)
    port = choose_port(host, port)
    python = str(proj.python)

    if migrate:
        with console.step("Applying migrations", "Migrations applied"):
            project_commands.migrate(proj)
    for argv in fw.prod_prepare if prod else ():
        label = " ".join(argv)
        with console.step(f"Running {label}", f"Ran {label}"):
            result = runner.run([python, *argv], cwd=proj.root, env=env, timeout=600)
            if not result.ok:
                raise StepFailed(f"{label} failed: {result.tail()}", "run it with --verbose")

    values = {"host": host, "port": str(port), "package": proj.package}
    argv = [python, *fw.argv(fw.prod_server if prod else fw.dev_server, **values)]
    # B104 false positive: only the address shown to the user; nothing binds here
    display_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104  # nosec B104
    url = f"http://{display_host}:{port}/"
    mode = "production mode, gunicorn" if prod else "development mode, auto-reload"
    worker = _worker_argv(proj, python, no_worker)
    if worker is not None:
        mode += ", with a worker for the background jobs"

    def announce(child) -> None:
        if not _wait_until_answering(host, port, fw.health_path, child):
            return
        stops = "Ctrl-C stops both" if worker is not None else "Ctrl-C stops it"
        console.success(
            f"[bold]{proj.root.name}[/bold] is running at [bold]{url}[/bold] ({mode}); {stops}"
        )
        if open_browser:
            import webbrowser

            try:
                webbrowser.get()
            except webbrowser.Error:
                console.info("No browser found here; open the address yourself.")
            else:
                webbrowser.open(url)
        # Checked once the server answers, so that this second import of the application does
        # not compete with the server's own start.
        if migrate or prod:
            return
        try:
            pending = project_commands.migrations_pending(proj)
        except project_commands.CheckFailed as exc:  # the database refuses us, say: the real cause
            if child.poll() is None:
                console.warning(exc.message, exc.hint)
            return
        except Exception:  # a check that cannot run is not worth stopping the server for
            pending = False
        if pending and child.poll() is None:
            console.warning(
                "the database has unapplied migrations",
                "stop the server and run `webkit serve --migrate` (or `webkit setup`)",
            )

    console.info(f"Starting {fw.title} ({mode}) on {host}:{port}…")
    try:
        if worker is None:
            status = runner.run_foreground(argv, cwd=proj.root, env=env, on_started=announce)
        else:
            status = _run_with_worker(proj, argv, worker, env, announce)
    finally:
        runner.stop_children()  # the background migration check, if it is still running
    if status not in (0, 130, 143):
        raise StepFailed(
            f"the server stopped with exit status {status}",
            "read its output above; `webkit setup` repairs a broken environment",
            exit_code=status if 0 < status < 256 else 1,
        )
    click.get_current_context().exit(status)


def _worker_argv(proj: project.Project, python: str, no_worker: bool) -> list[str] | None:
    """The background jobs' worker to run beside the web server, if the project has jobs."""
    fw = proj.framework
    if proj.record is None or "jobs" not in proj.record.features or not fw.worker:
        return None
    if no_worker:
        console.info(
            "Without a worker (--no-worker): the background jobs wait in their queue until one "
            f"runs (.venv/bin/python {' '.join(fw.argv(fw.worker, package=proj.package))})."
        )
        return None
    return [python, *fw.argv(fw.worker, package=proj.package)]


def _run_with_worker(
    proj: project.Project, web: list[str], worker: list[str], env, announce
) -> int:
    """The web server and the worker together, their output interleaved and labelled; both
    stop when either does, or on Ctrl-C or SIGTERM. The web server's exit status, or a
    StepFailed when the worker stopped by itself."""
    from webkit_cli import together

    styles = {"web": "cyan", "worker": "magenta"}
    outcome = together.run_together(
        [together.Child("web", web), together.Child("worker", worker)],
        cwd=proj.root,
        env=env,
        on_line=lambda label, line: console.labelled(label, line, style=styles[label]),
        on_started=announce,
    )
    if outcome.label == "worker" and not outcome.signalled:
        raise StepFailed(
            f"the worker stopped with exit status {outcome.status}, so the server was stopped too",
            "read its output above (worker | ...); `webkit serve --no-worker` runs the server "
            "alone",
        )
    return outcome.status
