"""A cache of compiled bytecode, shared by the projects webkit creates.

Run by a project's own .venv Python, never imported by webkit: bytecode belongs to one
interpreter version. Standard library only, and Python 3.10 syntax (the oldest a project takes).

    python bytecode_cache.py restore CACHE SITE_PACKAGES
    python bytecode_cache.py compile CACHE SITE_PACKAGES FOLDER...
    python bytecode_cache.py save CACHE SITE_PACKAGES SINCE_NS

restore: every module of SITE_PACKAGES without valid bytecode gets the bytecode cached for a
source with the same content (of those that the cache's index names: see INDEX). compile: the same for the modules under each FOLDER (relative to
SITE_PACKAGES), and those the cache lacks are compiled, and cached. save: caches the bytecode
that imports wrote since SINCE_NS (time.time_ns()). An empty CACHE ("") is no cache: compile
then only compiles.

Why: uv installs without compiling, so the first import of a new project's packages compiles
them (about 1.4 s of CPU for a Flask project's migration), for every new project, although the
sources are the same files each time. uv has no such cache (astral-sh/uv#18668).

An entry is keyed by the SHA-256 of the source and the interpreter's magic number. What is
written into __pycache__ is an ordinary timestamp-checked .pyc for the file on disk, so Python
checks it as one it wrote itself, and recompiles a source edited later.

Linked entries: uv installs a package's files as hard links to its own cache, so a source
installed by uv has the same modification time in every project, and so the same whole .pyc
(header included). For such a source (more than one link), the cache also keeps that .pyc, named
by the source's hash, time and size, as a hard link; a restore then links it into __pycache__:
one link(2) instead of writing a new file, which on some disks costs twenty times more. Python
never writes a .pyc in place (it writes a new file and renames it), so a project that recompiles
one never changes the cache's, nor another project's.

Code objects keep the path they were compiled from; an import replaces it with the module's own
path (importlib's _fix_co_filename), as it does for a project that was moved. Every write is a
new file renamed into place, so that processes sharing the cache, or importing meanwhile, never
see half a file.
A failure to read or write the cache only costs the compilation it would have saved.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import marshal
import os
import sys
from importlib.machinery import SourceFileLoader

MAGIC = importlib.util.MAGIC_NUMBER
HEADER = 16  # magic, flags, source mtime, source size (PEP 552)
# In each interpreter's folder of the cache: the modules given an entry, by their path in a
# site-packages, one a line. A restore reads only those sources (about 900 of a Django
# project's 3,600: the others were never imported by a migration or compiled ahead).
INDEX = "modules.txt"


def _header(mtime: float, size: int) -> bytes:
    return (
        MAGIC
        + (0).to_bytes(4, "little")  # flags 0: checked by the source's mtime and size
        + (int(mtime) & 0xFFFFFFFF).to_bytes(4, "little")
        + (size & 0xFFFFFFFF).to_bytes(4, "little")
    )


def _make_folder(path: str, made: set[str]) -> None:
    folder = os.path.dirname(path)
    if folder not in made:
        os.makedirs(folder, exist_ok=True)
        made.add(folder)


@contextlib.contextmanager
def _renamed_into_place(temporary: str, path: str):
    """Rename the new file `temporary` to `path` once the body is done; remove it on failure."""
    try:
        yield
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _write_atomic(path: str, data: bytes, made: set[str]) -> None:
    """Write `data` to a new file beside `path`, then rename it into place."""
    _make_folder(path, made)
    temporary = f"{path}.{os.getpid()}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with _renamed_into_place(temporary, path), os.fdopen(fd, "wb") as out:
        out.write(data)


def _link_atomic(existing: str, path: str, made: set[str]) -> None:
    """Make `path` a hard link to `existing`, replacing what `path` was."""
    _make_folder(path, made)
    try:
        os.link(existing, path)
        return
    except FileExistsError:  # an invalid .pyc: replaced in one rename
        pass
    temporary = f"{path}.{os.getpid()}.tmp"
    os.link(existing, temporary)
    with _renamed_into_place(temporary, path):
        pass


class Cache:
    """The entries for this interpreter under `root`; an empty `root` is no cache at all."""

    def __init__(self, root: str):
        tag = sys.implementation.cache_tag or "none"
        self.root = os.path.join(root, "bytecode", f"{tag}-{MAGIC.hex()}") if root else ""
        self.made: set[str] = set()  # folders known to exist, in the cache and in __pycache__

    def entry(self, source: bytes) -> str:
        if not self.root:
            return ""
        key = hashlib.sha256(source).hexdigest()
        return os.path.join(self.root, key[:2], key[2:])

    def get(self, entry: str) -> bytes | None:
        if not entry:
            return None
        try:
            with open(entry, "rb") as f:
                data = f.read()
        except OSError:
            return None
        # An entry is the 8-byte length of the marshalled code, then the code: a short one
        # (a full disk, say) is a miss.
        if len(data) < 8 or int.from_bytes(data[:8], "little") != len(data) - 8:
            return None
        return data[8:]

    @staticmethod
    def linked(entry: str, stat: os.stat_result) -> str:
        """Where the whole .pyc for this entry's source, with this time and size, is kept; ""
        for a source with no other link (not uv's): its time recurs in no other project."""
        if not entry or stat.st_nlink <= 1:
            return ""
        return f"{entry}-{int(stat.st_mtime) & 0xFFFFFFFF:x}-{stat.st_size & 0xFFFFFFFF:x}.pyc"

    def indexed(self) -> set[str] | None:
        """The modules, as paths relative to a site-packages, that have been given an entry
        here (the index, INDEX); None where there is no index (a cache made before it, or
        none yet)."""
        if not self.root:
            return None
        try:
            with open(os.path.join(self.root, INDEX), encoding="utf-8") as f:
                return {line.rstrip("\n") for line in f if line.strip()}
        except (OSError, UnicodeDecodeError):
            return None

    def index(self, site: str, paths: list[str], known: set[str] | None) -> None:
        """Add to the index the modules `paths` (under `site`) that it lacks (`known`: what it
        holds). Appended whole lines: processes that share the cache at most repeat one."""
        lines = {os.path.relpath(path, site) for path in paths} - (known or set())
        text = "".join(f"{line}\n" for line in sorted(lines) if "\n" not in line)
        if not self.root or not text or not os.path.isdir(self.root):
            return
        with contextlib.suppress(OSError):
            fd = os.open(
                os.path.join(self.root, INDEX), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644
            )
            try:
                os.write(fd, text.encode())
            finally:
                os.close(fd)

    def listing(self) -> set[str] | None:
        """The paths of every entry, linked ones included, from one listing of each of the
        cache's folders: a look-up in it, rather than an open that fails, for each of the
        thousands of modules a cache lacks. None when the cache cannot be listed (then every
        look-up opens)."""
        if not self.root:
            return set()
        held = set()
        try:
            shards = os.listdir(self.root)
        except FileNotFoundError:
            return held
        except OSError:
            return None
        for shard in shards:
            folder = os.path.join(self.root, shard)
            with contextlib.suppress(OSError):
                held.update(os.path.join(folder, name) for name in os.listdir(folder))
        return held

    def link_into(
        self, linked: str, pyc: str, stat: os.stat_result, held: set[str] | None = None
    ) -> bool:
        """Give `pyc` the cached whole .pyc `linked`, if the cache has it (`held`, its listing,
        says whether; its name gives the source's time and size, which its header holds)."""
        if held is not None and linked not in held:
            return False
        try:
            with open(linked, "rb") as f:
                if f.read(HEADER) != _header(stat.st_mtime, stat.st_size):
                    return False
            _link_atomic(linked, pyc, self.made)
        except OSError:  # none yet, or another file system: written the ordinary way
            return False
        return True

    def keep_linked(self, pyc: str, linked: str) -> None:
        """Keep the valid, whole .pyc `pyc` as the linked entry `linked`."""
        if not linked:
            return
        with contextlib.suppress(OSError):  # there already, or another file system
            os.link(pyc, linked)

    def put(self, entry: str, code: bytes) -> bool:
        if not entry or os.path.exists(entry):
            return False
        try:
            _write_atomic(entry, len(code).to_bytes(8, "little") + code, self.made)
        except OSError:
            return False
        return True


def _modules(top: str, skip: set[str]):
    """(path, has bytecode) for the .py files under `top`, except under the folders in `skip`:
    whether a .pyc for this interpreter is in its __pycache__ (valid or not), from one listing
    of each folder rather than an open of each file."""
    try:
        entries = list(os.scandir(top))
    except OSError:
        return
    compiled: set[str] = set()
    if any(entry.name == "__pycache__" for entry in entries):
        with contextlib.suppress(OSError):
            compiled = set(os.listdir(os.path.join(top, "__pycache__")))
    suffix = f".{sys.implementation.cache_tag}.pyc"
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            if entry.name != "__pycache__" and entry.path not in skip:
                yield from _modules(entry.path, skip)
        elif entry.name.endswith(".py"):
            yield entry.path, entry.name[:-3] + suffix in compiled


def _has_valid_pyc(pyc: str, stat: os.stat_result) -> bool:
    try:
        with open(pyc, "rb") as f:
            return f.read(HEADER) == _header(stat.st_mtime, stat.st_size)
    except OSError:
        return False


def _restore(cache: Cache, modules, compile_missing: bool) -> tuple[int, int, list[str]]:
    """Give each module without valid bytecode the cached one, or (when `compile_missing`)
    compile it and cache that. Returns (restored, compiled, the modules given bytecode)."""
    restored = compiled = 0
    given = []
    held = cache.listing()
    for path, has_pyc in modules:
        try:
            stat = os.stat(path)
            pyc = importlib.util.cache_from_source(path)
            if has_pyc and _has_valid_pyc(pyc, stat):
                continue
            with open(path, "rb") as f:
                source = f.read()
            entry = cache.entry(source)
            linked = cache.linked(entry, stat)
            if linked and cache.link_into(linked, pyc, stat, held):
                restored += 1
                given.append(path)
                continue
            code = cache.get(entry) if held is None or entry in held else None
            if code is not None:
                restored += 1
            elif compile_missing:
                try:
                    code = marshal.dumps(SourceFileLoader("_", path).source_to_code(source, path))
                except (SyntaxError, ValueError):
                    continue  # not Python 3 (a template, say): no import compiles it either
                compiled += 1
                cache.put(entry, code)
            else:
                continue
            _write_atomic(pyc, _header(stat.st_mtime, stat.st_size) + code, cache.made)
            cache.keep_linked(pyc, linked)
            given.append(path)
        except OSError:
            continue
    return restored, compiled, given


def restore(cache: Cache, site: str) -> tuple[int, int]:
    """Cached bytecode for the modules of `site` that the index names (the others have no
    entry); for every module of it, pip aside, where the cache has no index yet, which this
    run then writes. Nothing imports pip, and pip compiles itself when it is upgraded."""
    site = os.path.abspath(site)
    known = cache.indexed()
    if known is not None:
        modules = ((os.path.join(site, path), True) for path in sorted(known))
    else:
        modules = _modules(site, {os.path.join(site, "pip")})
    restored, compiled, given = _restore(cache, modules, compile_missing=False)
    cache.index(site, given, known)
    return restored, compiled


def compile_into(cache: Cache, site: str, folders: list[str]) -> tuple[int, int]:
    """Bytecode for every module under `folders` (relative to `site`, or absolute; a missing
    one has none): the cached one, else compiled and cached."""
    site = os.path.abspath(site)
    tops = [os.path.abspath(os.path.join(site, folder)) for folder in folders]
    modules = (module for top in tops for module in _modules(top, set()))
    restored, compiled, given = _restore(cache, modules, compile_missing=True)
    cache.index(site, given, cache.indexed())
    return restored, compiled


def save(cache: Cache, site: str, since_ns: int) -> int:
    """Cache the valid .pyc files under `site` written from `since_ns` on (time.time_ns()):
    the ones an import wrote, which the cache lacks. Returns how many were added."""
    saved = 0
    cached: list[str] = []
    site = os.path.abspath(site)
    suffix = f".{sys.implementation.cache_tag}.pyc"
    for folder, _dirs, files in os.walk(site):
        if os.path.basename(folder) != "__pycache__":
            continue
        for name in files:
            if not name.endswith(suffix):
                continue
            pyc = os.path.join(folder, name)
            try:
                if os.stat(pyc).st_mtime_ns < since_ns:
                    continue
                source_path = importlib.util.source_from_cache(pyc)
                stat = os.stat(source_path)
                with open(pyc, "rb") as f:
                    data = f.read()
                if len(data) <= HEADER or data[:HEADER] != _header(stat.st_mtime, stat.st_size):
                    continue
                with open(source_path, "rb") as f:
                    entry = cache.entry(f.read())
                saved += cache.put(entry, data[HEADER:])
                cache.keep_linked(pyc, cache.linked(entry, stat))
                cached.append(source_path)
            except (OSError, ValueError):
                continue
    cache.index(site, cached, cache.indexed())
    return saved


USAGE = """\
usage: python bytecode_cache.py restore CACHE SITE_PACKAGES
       python bytecode_cache.py compile CACHE SITE_PACKAGES FOLDER...
       python bytecode_cache.py save CACHE SITE_PACKAGES SINCE_NS"""


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[0] not in {"restore", "compile", "save"}:
        print(USAGE, file=sys.stderr)
        return 2
    command, root, site, *rest = argv
    cache = Cache(root)
    if command in {"restore", "compile"}:
        restored, compiled = (
            restore(cache, site) if command == "restore" else compile_into(cache, site, rest)
        )
        print(f"restored {restored}, compiled {compiled}")
    else:
        print(f"saved {save(cache, site, int(rest[0]) if rest else 0)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
