"""The image's lock file with hashes: requirements.lock's pins, each with the sha256 of every
file the package index has for it, so that `pip install --require-hashes --no-deps` in the
Dockerfile installs exactly the files that were locked, or nothing.

uv writes it (`uv pip compile --generate-hashes`, for the image's Python on Linux), which needs
the package index; the result is cached in webkit's cache folder under the digest of everything
that decides it, so a repeat `deploy-config` (or one for another target) costs nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from pathlib import Path

from webkit_cli.errors import StepFailed

FORMAT = 2  # of the cached files: uv's output alone
CACHE_FOLDER = "hashed-locks"
# The variables of uv that choose where the packages (and so their files) come from.
INDEX_VARIABLES = (
    "UV_INDEX",
    "UV_DEFAULT_INDEX",
    "UV_INDEX_URL",
    "UV_EXTRA_INDEX_URL",
    "UV_FIND_LINKS",
    "UV_NO_INDEX",
)
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")
_OFFLINE = (
    "network connectivity is disabled",
    "failed to fetch",
    "error sending request",
    "connection refused",
    "dns error",
    "network is unreachable",
    "timed out",
)
TIMEOUT = 600


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(text: str) -> dict[str, str]:
    """{normalized name: version} of the `name==version` lines of a requirements file."""
    found = {}
    for line in text.splitlines():
        match = _PIN.match(line.strip())
        if match:
            found[normalize(match.group(1))] = match.group(2)
    return found


def requirements(text: str) -> list[str]:
    """The requirements of a lock file, one a line, without comments and blank lines."""
    lines = (line.split(" #", 1)[0].strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def cache_key(lock: str, extra: tuple[str, ...], python_version: str) -> str:
    inputs = {
        "format": FORMAT,
        "requirements": requirements(lock),
        "extra": list(extra),
        "python": python_version,
        "platform": "linux",
        "index": {name: os.environ.get(name, "") for name in INDEX_VARIABLES},
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def _cache_file(key: str) -> Path | None:
    from webkit_cli.bytecode import cache_dir

    folder = cache_dir()
    return None if folder is None else folder / CACHE_FOLDER / f"{key}.txt"


def _store(path: Path, text: str) -> None:
    """Best effort: a cache that cannot be written costs the next run a resolution, no more."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(name, path)
    except OSError:
        pass


def header(lock_name: str, extra: tuple[str, ...]) -> str:
    also = "".join(f"# Also, because the image needs it: {requirement}\n" for requirement in extra)
    return (
        f"# The packages of {lock_name}, each with the sha256 of every file the package index\n"
        "# has for it. The Dockerfile installs them with\n"
        "#   pip install --require-hashes --no-deps --requirement requirements-hashed.lock\n"
        f"{also}"
        "# Written by `webkit deploy-config` with `uv pip compile --generate-hashes`; run it\n"
        f"# again after {lock_name} changes.\n"
    )


def _compile(lock: str, extra: tuple[str, ...], python_version: str) -> str:
    from webkit_cli import runner
    from webkit_cli.installers import uv_binary

    uv = uv_binary()
    if uv is None:
        raise StepFailed(
            "uv is needed to write the image's lock file with hashes, and it was not found",
            "reinstall webkit (uv comes with it) or put uv on PATH, or leave the image out: "
            "--target gunicorn,nginx,systemd,procfile",
        )
    with tempfile.TemporaryDirectory(prefix="webkit-hashes-") as folder:
        source, output = Path(folder, "requirements.in"), Path(folder, "requirements.txt")
        source.write_text("".join(f"{line}\n" for line in [*requirements(lock), *extra]))
        argv = [uv, "pip", "compile", str(source), "--output-file", str(output), "--quiet"]
        argv += ["--generate-hashes", "--no-header", "--no-annotate", "--python-platform"]
        argv += ["linux", "--python-version", python_version]
        result = runner.run(argv, cwd=Path(folder), timeout=TIMEOUT)
        if not result.ok:
            said = result.output.strip().lower()
            if any(marker in said for marker in _OFFLINE):
                raise StepFailed(
                    "cannot write the image's lock file with hashes: uv could not reach the "
                    f"package index ({result.tail()})",
                    "connect to the network (or set UV_INDEX_URL to an index you can reach) "
                    "and run deploy-config again; once written, it is cached for the next runs",
                )
            raise StepFailed(
                f"uv could not resolve requirements.lock for Python {python_version} on Linux "
                f"({result.tail()})",
                "run `webkit setup --upgrade` to write the lock file again, then deploy-config",
            )
        return output.read_text(encoding="utf-8")


def _check(lock: str, extra: tuple[str, ...], hashed: str, python_version: str) -> None:
    """The hashed lock pins what the lock pins, every pin with its hashes."""
    locked, written = pins(lock), pins(hashed)
    changed = sorted(
        f"{name} {version} -> {written.get(name, 'missing')}"
        for name, version in locked.items()
        if written.get(name) != version
    )
    added = sorted(set(written) - set(locked))
    if changed or (added and not extra):
        what = "; ".join(changed + [f"{name} added" for name in added])
        raise StepFailed(
            f"requirements.lock is not a complete set of packages for Python {python_version} "
            f"on Linux: {what}",
            "run `webkit setup --upgrade` to write the lock file again, then deploy-config",
        )
    blocks = re.split(r"\n(?=[A-Za-z0-9])", hashed.strip())
    unhashed = [block.split()[0] for block in blocks if "--hash=sha256:" not in block]
    if unhashed:
        raise StepFailed(
            f"uv wrote no hash for {', '.join(unhashed)}",
            "check the package index uv uses (UV_INDEX_URL); it must serve the files' hashes",
        )


def hashed_lock(lock_file: Path, extra: tuple[str, ...], python_version: str) -> str:
    """The content of requirements-hashed.lock for `lock_file`, plus the requirements `extra`
    (the database driver of a SQLite project's image), from webkit's cache when it has it."""
    try:
        lock = lock_file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise StepFailed(
            f"{lock_file.name} is missing: the image installs exactly the packages it pins",
            "run `webkit setup` (it installs the project and writes the lock file), or leave "
            "the image out: --target gunicorn,nginx,systemd,procfile",
        ) from None
    except OSError as exc:
        raise StepFailed(
            f"cannot read {lock_file.name}: {exc.strerror or exc}",
            "fix its permissions, or run `webkit setup` to write it again",
        ) from None
    key = cache_key(lock, extra, python_version)
    cached = _cache_file(key)
    if cached is not None and cached.is_file():
        return header(lock_file.name, extra) + cached.read_text(encoding="utf-8")
    hashed = _compile(lock, extra, python_version)
    _check(lock, extra, hashed, python_version)
    if cached is not None:
        _store(cached, hashed)
    return header(lock_file.name, extra) + hashed


def is_current(lock_file: Path, extra: tuple[str, ...], python_version: str, written: str) -> bool:
    """Whether `written`, a requirements-hashed.lock on disk, is what `hashed_lock` gives for
    the lock as it is now: the same header and pins, every pin hashed. Needs neither uv nor the
    network, so that `webkit doctor` can tell without them."""
    try:
        lock = lock_file.read_text(encoding="utf-8")
    except OSError:
        return False
    head = header(lock_file.name, extra)
    if not written.startswith(head):
        return False
    try:
        _check(lock, extra, written[len(head) :], python_version)
    except StepFailed:
        return False
    return True
