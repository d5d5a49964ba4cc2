"""`webkit generate` end to end, on real projects of each framework (.venv, SQLite):

- a resource with every field type, then a second referring to the first: the migrations are
  made by the framework's tool and applied; the project's own tests (schemathesis included),
  ruff, ruff format and mypy --strict pass right after;
- served by `webkit serve`: its JSON API answers as the items API does, and in Chromium its
  pages create, show, edit (a validation error shown in the form first) and delete a row;
- `webkit destroy resource` drops the table with a new migration, and the suite still passes;
- the record renders again to exactly the committed files, the migrations aside;
- a migration that fails halfway (the database has an index or a table of that name) leaves
  the files and the database as they were.
"""

from __future__ import annotations

import json
import re
import sqlite3
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import in_venv, need_tool, webkit
from tests.test_e2e_serve import ARTIFACTS, CHROMIUM_FLAGS, Server
from tests.test_pristine import committed, rendered_again
from tests.test_update import commit, git

pytestmark = pytest.mark.e2e

AUTHOR = ["name:str:80", "email:email:unique"]
POST = [
    "title:str:120",
    "body:text?",
    "views:int:index",
    "rating:float?",
    "published:bool",
    "price:decimal",
    "published_on:date",
    "starts_at:datetime?",
    "site:url?",
    "slug:slug:unique",
    "author:ref:Author",
    "editor:ref:Author?",
]
# What each framework names: the migrations, the database file, the form's reference field.
FRAMEWORK = {
    "flask": {
        "migrations": "migrations/versions",
        "database": "instance/shop.db",
        "author_field": "author_id",
        "api": "/api/{}",
        "row": "/api/{}/{}",
        "pending": ("-m", "flask", "--app", "shop", "db", "current"),
    },
    "django": {
        "migrations": "shop/migrations",
        "database": "db.sqlite3",
        "author_field": "author",
        "api": "/api/{}/",
        "row": "/api/{}/{}/",
        "pending": ("manage.py", "migrate", "--check"),
    },
}


def run(root: Path, *args: str):
    result = webkit(*args, cwd=root, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def request(url: str, method: str = "GET", body: object = None) -> tuple[int, dict, object]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            raw = response.read()
            return response.status, dict(response.headers), json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        raw = error.read()
        return error.code, dict(error.headers), json.loads(raw) if raw else None


@pytest.fixture(scope="module", params=["flask", "django"])
def generated(request, tmp_path_factory):
    framework = request.param
    where = tmp_path_factory.mktemp(f"generate-{framework}")
    run(where, "new", "shop", "--framework", framework, "-y")
    root = where / "shop"
    out = run(root, "generate", "resource", "Author", *AUTHOR)
    assert "Migration made and applied" in out
    out = run(root, "generate", "resource", "Post", *POST)
    assert "Migration made and applied" in out
    return framework, root


def test_the_migrations_are_the_frameworks_and_applied(generated):
    framework, root = generated
    names = FRAMEWORK[framework]
    made = sorted(p.name for p in (root / names["migrations"]).glob("000[23]_*.py"))
    assert (
        made
        == {
            "flask": ["0002_create_author_table.py", "0003_create_post_table.py"],
            "django": ["0002_author.py", "0003_post.py"],
        }[framework]
    )
    check = in_venv(root, *names["pending"])
    assert check.returncode == 0, check.stdout + check.stderr
    with sqlite3.connect(root / names["database"]) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    assert {"author", "post"} <= tables or {"shop_author", "shop_post"} <= tables


def test_the_project_passes_its_own_tests_lint_and_types_right_after(generated):
    _framework, root = generated
    for args in (("-m", "ruff", "check", "."), ("-m", "ruff", "format", "--check", ".")):
        lint = in_venv(root, *args)
        assert lint.returncode == 0, lint.stdout + lint.stderr
    types = in_venv(root, "-m", "mypy", timeout=600)
    assert types.returncode == 0, types.stdout + types.stderr
    tests = in_venv(root, "-m", "pytest", "-q", "-p", "no:cacheprovider", timeout=900)
    assert tests.returncode == 0, tests.stdout[-4000:]
    coverage = re.search(r"Total coverage: ([\d.]+)%", tests.stdout)
    assert coverage and float(coverage.group(1)) >= 90, tests.stdout[-2000:]


def test_the_api_and_the_pages_in_chromium(generated):
    framework, root = generated
    names = FRAMEWORK[framework]
    server = Server(root)
    try:
        server.wait_ready()
        api = server.url + names["api"].format("authors")
        status, headers, author = request(api, "POST", {"name": "Ada", "email": "ada@x.org"})
        assert status == 201, author
        assert headers["Location"].endswith(names["row"].format("authors", author["id"]))
        status, _, taken = request(api, "POST", {"name": "Bea", "email": "ada@x.org"})
        assert (status, list(taken["errors"])) == (409, ["email"])
        status, _, invalid = request(api, "POST", {"name": "", "email": "not an address"})
        assert status == 422 and set(invalid["errors"]) == {"name", "email"}
        posts = server.url + names["api"].format("posts")
        status, _, missing = request(posts, "POST", {"title": "x"} | _post(author["id"] + 99))
        assert (status, list(missing["errors"])) == (409, ["author_id"])
        status, _, post = request(posts, "POST", _post(author["id"]))
        assert status == 201, post
        assert post["price"] == "12.50" and post["starts_at"] == "2024-05-01T10:30:00Z"
        status, _, page = request(posts + "?limit=1")
        assert status == 200 and page["items"][0]["id"] == post["id"]
        row = server.url + names["row"].format("posts", post["id"])
        status, _, changed = request(row, "PATCH", {"views": 8})
        assert (status, changed["views"], changed["title"]) == (200, 8, post["title"])
        assert (
            request(server.url + names["row"].format("authors", author["id"]), "DELETE")[0] == 409
        )
        assert request(row, "DELETE")[0] == 204
        assert request(row)[0] == 404
        status, _, document = request(server.url + "/api/openapi.json")
        assert {"Authors", "Posts"} <= {tag for op in _operations(document) for tag in op["tags"]}
        errors = drive_browser(server.url, framework, names["author_field"])
        assert errors == []
    finally:
        code = server.stop()
    assert code in (0, 143), server.output()


def _post(author_id: int) -> dict:
    return {
        "title": "Hello",
        "views": 7,
        "published": True,
        "price": 12.5,
        "published_on": "2024-05-01",
        "starts_at": "2024-05-01T12:30:00+02:00",
        "slug": "hello",
        "author_id": author_id,
    }


def _operations(document: dict) -> list[dict]:
    return [op for path in document["paths"].values() for op in path.values()]


def drive_browser(url: str, framework: str, author_field: str) -> list[str]:
    """Create a post through its form (a validation error first, shown in the form), edit it,
    delete it."""
    chromium = need_tool("chromium", "/usr/bin/chromium")
    from playwright.sync_api import expect, sync_playwright

    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page()
            # The page with the validation error is itself a 422, which Chromium logs.
            page.on(
                "console",
                lambda m: (
                    errors.append(m.text)
                    if m.type == "error" and "status of 422" not in m.text
                    else None
                ),
            )
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(url + "/posts/")
            expect(page.locator("main")).to_contain_text("No posts yet.")
            page.get_by_role("link", name="New post").click()
            page.wait_for_url("**/posts/new**")
            page.fill("[name=title]", "From Chromium")
            page.fill("[name=views]", "3")
            page.check("[name=published]")
            page.fill("[name=price]", "9.99")
            page.fill("[name=published_on]", "2024-06-01")
            page.fill("[name=starts_at]", "2024-06-01T09:15")
            page.fill("[name=slug]", "from chromium")  # a space: the server refuses it
            page.select_option(f"[name={author_field}]", label="Ada")
            page.click("button[type=submit]")
            expect(page.locator("[name=slug]")).to_have_attribute("aria-invalid", "true")
            expect(page.locator(".field__error")).to_be_visible()
            expect(page.locator("[name=title]")).to_have_value("From Chromium")  # kept
            expect(page.locator("[name=starts_at]")).to_have_value("2024-06-01T09:15")
            page.fill("[name=slug]", "from-chromium")
            page.click("button[type=submit]")
            expect(page.locator("h1")).to_have_text("From Chromium")
            expect(page.locator("dl.record")).to_contain_text("9.99")
            expect(page.locator("dl.record")).to_contain_text("2024-06-01 09:15")
            page.get_by_role("link", name="Edit", exact=True).click()
            page.fill("[name=title]", "Edited in Chromium")
            page.click("button[type=submit]")
            expect(page.locator("h1")).to_have_text("Edited in Chromium")
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"generate-{framework}.png"), full_page=True)
            page.goto(url + "/posts/")
            expect(page.locator("table.rows")).to_contain_text("Edited in Chromium")
            page.get_by_role("link", name="Edited in Chromium").click()
            page.get_by_role("link", name="Delete", exact=True).click()
            page.get_by_role("button", name="Delete").click()
            expect(page.locator("main")).to_contain_text("No posts yet.")
        except Exception:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(
                path=str(ARTIFACTS / f"generate-{framework}-failed.png"), full_page=True
            )
            (ARTIFACTS / f"generate-{framework}-failed.html").write_text(page.content())
            raise
        finally:
            browser.close()
    return errors


def test_destroy_drops_the_table_and_the_suite_still_passes(generated):
    framework, root = generated
    names = FRAMEWORK[framework]
    if git(root, "status", "--porcelain").strip():
        commit(root, "generated Author and Post")
    out = run(root, "destroy", "resource", "Post")
    assert "Migration made and applied" in out
    assert not (root / "shop/api/posts.py").exists()
    check = in_venv(root, *names["pending"])
    assert check.returncode == 0, check.stdout + check.stderr
    with sqlite3.connect(root / names["database"]) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    assert "post" not in tables and "shop_post" not in tables
    tests = in_venv(root, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", timeout=900)
    assert tests.returncode == 0, tests.stdout[-4000:]


def test_the_record_renders_again_to_the_committed_files(generated, tmp_path):
    framework, root = generated
    # The tests of this module may be spread over xdist's workers, each with its own project:
    # this one holds whether or not the destroy test ran before it here.
    if git(root, "status", "--porcelain").strip():
        commit(root, "generated or destroyed resources")
    destroyed = not (root / "shop/api/posts.py").exists()
    again = rendered_again(root, tmp_path)
    files = committed(root, again)
    migrations = FRAMEWORK[framework]["migrations"]
    made = sorted(p for p in git(root, "ls-files", migrations).split() if p not in again)
    # create author, create post (and drop post): the framework's own, none of them rendered
    assert len(made) == (3 if destroyed else 2), made
    assert again == files


def test_a_migration_that_fails_halfway_leaves_files_and_database_as_they_were(generated):
    """The database has, made by hand, something with the name of what the new migration
    creates (Flask: its index, after the table; Django: its table): the migration fails
    there, and is undone."""
    framework, root = generated
    database = root / FRAMEWORK[framework]["database"]
    with sqlite3.connect(database) as db:
        # A view: Alembic's comparison of models and database does not see views, but a view
        # and an index (or a table) cannot share a name.
        taken = "ix_tag_label" if framework == "flask" else "shop_tag"
        db.execute(f"CREATE VIEW {taken} AS SELECT 1 AS one")
    before = files_of(root)
    schema_before = _schema(database)
    result = webkit("generate", "resource", "Tag", "label:str:40:index", cwd=root, timeout=300)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "making or applying the migration failed" in result.stderr
    assert "the files and the database are as before" in result.stderr
    assert files_of(root) == before
    assert _schema(database) == schema_before
    assert "tag" not in {row[1] for row in _schema(database) if row[0] == "table"}


# What is not the project's own: its environment, the database, the tools' caches.
IGNORED = {".git", ".venv", "__pycache__", "instance", ".ruff_cache", ".mypy_cache"}


def files_of(root: Path) -> dict[str, bytes]:
    """The project's files (its .venv, bytecode and database aside), and git's view of them."""
    files = {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
        and not IGNORED & set(path.relative_to(root).parts)
        and not path.name.startswith("db.sqlite3")
    }
    files["<status>"] = git(root, "status", "--porcelain").encode()
    return files


def _schema(database: Path) -> list[tuple]:
    with sqlite3.connect(database) as db:
        schema = sorted(db.execute("SELECT type, name, sql FROM sqlite_master"))
        versions = []
        for table in ("alembic_version", "django_migrations"):
            if any(row[1] == table for row in schema):
                versions += sorted(db.execute(f"SELECT * FROM {table}"))  # noqa: S608
    return schema + versions
