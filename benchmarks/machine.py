"""What the numbers were measured on, and under which conditions."""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from benchmarks.context import Context
from benchmarks.report import Table

REPO = Path(__file__).resolve().parent.parent


def _run(argv: list[str], cwd: Path | None = None) -> str:
    try:
        completed = subprocess.run(
            argv, capture_output=True, text=True, timeout=30, check=False, cwd=cwd
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return (completed.stdout + completed.stderr).strip()


def _read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return ""


def _cpu() -> str:
    model = ""
    for line in _read(Path("/proc/cpuinfo")).splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover
        usable = os.cpu_count() or 0
    return (
        f"{os.cpu_count()} cores ({usable} usable by this process){', ' + model if model else ''}"
    )


def _memory() -> str:
    for line in _read(Path("/proc/meminfo")).splitlines():
        if line.startswith("MemTotal:"):
            return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return "unknown"


def _os() -> str:
    name = platform.system()
    for line in _read(Path("/etc/os-release")).splitlines():
        if line.startswith("PRETTY_NAME="):
            name = line.split("=", 1)[1].strip('"')
    return f"{name}, kernel {platform.release()}"


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def _seeded_pip() -> str:
    try:
        from virtualenv.seed.wheels.embed import get_embed_wheel

        wheel = get_embed_wheel("pip", f"{sys.version_info[0]}.{sys.version_info[1]}")
        return str(wheel.version) if wheel else "unknown"
    except Exception:  # virtualenv's internals may change; this is only informative
        return "unknown"


def _uv() -> str:
    try:
        from webkit_cli.installers import uv_binary

        binary = uv_binary()
    except Exception:
        binary = None
    return _run([binary, "--version"]) if binary else "not found (webkit falls back to pip)"


def _webkit() -> str:
    import webkit_cli

    head = _run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO)
    dirty = _run(["git", "status", "--porcelain", "--", "webkit_cli", "templates"], cwd=REPO)
    where = ""
    if head and re.fullmatch(r"[0-9a-f]{4,40}", head):
        where = f", commit {head}" + (
            " with uncommitted changes in webkit_cli/ or templates/" if dirty else ""
        )
    return f"{webkit_cli.__version__}{where}"


def _redact(text: str) -> str:
    return re.sub(r"//[^/@\s]+@", "//***@", text)


def machine_table(ctx: Context) -> Table:
    tools = ctx.tools
    wrk = "not installed"
    if tools.wrk:
        first = _run([tools.wrk, "--version"]).splitlines()
        wrk = first[0].split(" Copyright")[0] if first else "installed"
    rows = [
        ["CPU", _cpu()],
        ["Memory", _memory()],
        ["OS", _os()],
        [
            "Python",
            f"{platform.python_implementation()} {platform.python_version()} ({tools.python})",
        ],
        ["webkit", _webkit()],
        ["uv (webkit's installer)", _uv()],
        [
            "pip",
            f"{_seeded_pip()} in new virtualenvs (the manual route); {_version('pip')} in the dev venv",
        ],
        ["virtualenv", _version("virtualenv")],
        ["cookiecutter", _version("cookiecutter")],
        ["click", _version("click")],
        ["wrk", wrk],
    ]
    return Table(["", ""], rows)


def page_cache_reclaim(root: Path = Path("/sys/kernel/mm/damon/admin")) -> str | None:
    """A sentence on DAMON pageout schemes that evict idle memory, page cache included (some
    virtual machines' kernels run one to hand memory back to the host), or None."""
    schemes = []
    for kdamond in sorted(root.glob("kdamonds/[0-9]*")):
        if _read(kdamond / "state") != "on":
            continue
        for context in sorted(kdamond.glob("contexts/[0-9]*")):
            aggregation = _read(context / "monitoring_attrs" / "intervals" / "aggr_us")
            for scheme in sorted(context.glob("schemes/[0-9]*")):
                if _read(scheme / "action") != "pageout":
                    continue
                age = _read(scheme / "access_pattern" / "age" / "min")
                try:
                    idle = int(age) * int(aggregation) / 1e6
                except ValueError:
                    idle = None
                schemes.append(idle)
    if not schemes:
        return None
    known = [idle for idle in schemes if idle is not None]
    after = f"about {min(known):.0f} s" if known else "a while"
    return (
        f"Page cache: this kernel runs DAMON with a `pageout` scheme ({root}): memory not "
        f"accessed for {after}, the file cache included, is evicted. Files of a warm cache "
        "(uv's, pip's, webkit's) that no job touched for that long are read back from the "
        "disk, so warm caches are not always in memory."
    )


def mount_options(path: Path, mounts: Path = Path("/proc/mounts")) -> tuple[str, list[str]]:
    """The file system type and mount options of the mount that holds `path`."""
    best, found = "", ("", [])
    for line in _read(mounts).splitlines():
        fields = line.split()
        if len(fields) < 4:
            continue
        point = fields[1].replace("\\040", " ")
        inside = str(path) == point or str(path).startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, found = point, (fields[2], fields[3].split(","))
    return found


def disk_line(workspace: Path) -> str:
    kind, options = mount_options(workspace.resolve())
    trim = (
        f" The workspace's file system ({kind}) is mounted with `discard`: what is deleted is "
        "trimmed when the journal commits."
        if "discard" in options
        else ""
    )
    return (
        "Disk: the projects and cold caches of a section are deleted when the section ends, not "
        "between its runs (deleting a Django `.venv`'s thousands of hard links and folders "
        "slowed the next install of the same files), and before each measured run the harness "
        "calls sync(2), so that what earlier runs wrote reaches the disk outside the measured "
        f"time rather than during the next run, whichever route that is.{trim}"
    )


def conditions(ctx: Context, command: str) -> list[str]:
    pip_config = "; ".join(
        _redact(line)
        for line in _run([str(ctx.tools.python), "-m", "pip", "config", "list"]).splitlines()
    )
    pip_env = sorted(k for k in os.environ if k.startswith("PIP_"))
    proxy = [
        k for k in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy") if os.environ.get(k)
    ]
    bytecode = os.environ.get("PYTHONDONTWRITEBYTECODE")
    if bytecode:
        bytecode_line = (
            f"`PYTHONDONTWRITEBYTECODE={bytecode}` is exported globally on this machine and "
            "inherited by every command measured here, as a user here has it: Python writes no "
            "`.pyc` for what it imports, except where a tool overrides it (pip compiles at "
            "install time; webkit removes the variable for the project's own `.venv` processes: "
            "the migration and `webkit serve`)."
        )
    else:
        bytecode_line = "`PYTHONDONTWRITEBYTECODE` is not set: Python caches bytecode as usual."
    return [
        f"Command: `{command}`.",
        "Every measured command runs in a fresh wrapper process that times it from spawn to "
        "exit (`time.monotonic()`), so neither the wrapper's nor the harness's start-up counts. "
        "Peak RSS is `getrusage(RUSAGE_CHILDREN).ru_maxrss` of that wrapper: the largest single "
        "process of the job, not a sum. The comparisons of a section alternate (A B A B ...); "
        "tables give the median and the range (min-max) over the rounds.",
        "Caches: all inside a temporary workspace, never the user's. Warm = after one "
        "unrecorded priming run in the same cache directories (uv's `UV_CACHE_DIR`, pip's "
        "`PIP_CACHE_DIR`, virtualenv's `VIRTUALENV_OVERRIDE_APP_DATA`, webkit's "
        "`WEBKIT_CACHE_DIR`). Cold = new empty "
        "directories for each run, and pip with `--no-cache-dir`. The operating system's file "
        "cache is not dropped: cold means cold tool caches, not a cold disk.",
        "Network: this machine reaches PyPI through a proxy that strips HTTP caching headers, "
        "so pip's HTTP cache stays empty even when warm and uv revalidates its cached index "
        "pages on every resolution: a warm install still makes network round trips, for both "
        "routes. webkit resolves from uv's cache and against the index at once while it "
        "renders and creates `.venv`, installs the cache's versions if the index has not "
        "answered by then, and waits for the index's answer after the migration, catching "
        "up if it reports newer releases (the breakdown shows a catch-up step where one "
        "happened). Now and then one request through this proxy stalls for 5 s (seen on 2026-12-03 "
        "in one `uv pip compile` in three to twenty); a resolution still running after 1.2 s "
        "gets a second one beside it and the first answer wins, so a stall costs about a "
        "second instead of five.",
        f"pip configuration (applies to the manual route's pip): `{pip_config or 'none'}`; "
        f"PIP_* variables set: {', '.join(pip_env) or 'none'}. Local indexes and find-links can "
        "serve pip from disk; uv does not read pip's configuration and uses PyPI only.",
        f"HTTP(S) proxy variables set: {', '.join(proxy) or 'none'}.",
        bytecode_line,
        *([reclaim] if (reclaim := page_cache_reclaim()) else []),
        disk_line(ctx.workspace),
        *ctx.notes,
        "Variables that would change the apps or the tools (`APP_ENV`, `SECRET_KEY`, "
        "`DATABASE_URL`, `WEB_CONCURRENCY`, `GUNICORN_*`, cache locations, ...) are removed from "
        "the measured commands' environment; `NO_COLOR=1` is set.",
    ]
