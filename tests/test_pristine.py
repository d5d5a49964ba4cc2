"""One render path: a project's record renders again to exactly the files `webkit new` committed,
for every framework and database, and for projects of every earlier template release."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO
from webkit_cli import names, pristine, project, record, scaffold, template_store
from webkit_cli.frameworks import NAMES as FRAMEWORKS


def committed(root: Path, rendered: dict[str, bytes] | None = None) -> dict[str, bytes]:
    """The files of the project's last commit, as git has them, but those its tools wrote and
    a render lacks (pristine.generated: lock files, migrations)."""
    proj = project.load(root)
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True
    ).stdout.split(b"\0")
    files = {}
    for name in filter(None, listed):
        path = name.decode()
        if pristine.generated(proj.framework, proj.package, path) and path not in (rendered or {}):
            continue
        files[path] = subprocess.run(
            ["git", "show", f"HEAD:{path}"], cwd=root, capture_output=True, check=True
        ).stdout
    return files


def rendered_again(root: Path, scratch: Path) -> dict[str, bytes]:
    rec = project.load(root).record
    return pristine.files(pristine.render(rec, scratch / "pristine"))


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("database", record.DATABASES)
@pytest.mark.parametrize("jobs", [None, *record.CHOICES[("jobs", "backend")]])
def test_the_record_renders_again_to_the_committed_files(
    invoke, tmp_path, framework, database, jobs
):
    (tmp_path / "p").mkdir()
    options = ["--jobs", jobs] if jobs else []
    result = invoke(
        "new",
        "My_Shop",
        "-f",
        framework,
        "--db",
        database,
        *options,
        "--no-venv",
        "-o",
        tmp_path / "p",
    )
    assert result.exit_code == 0, result.output
    root = tmp_path / "p" / "My_Shop"
    again = rendered_again(root, tmp_path)
    files = committed(root, again)
    assert ".env" not in files and "pyproject.toml" in files
    table = project.read_pyproject(root / "pyproject.toml")["tool"]["webkit"]
    assert table.get("features", {}) == ({"jobs": {"backend": jobs}} if jobs else {})
    assert again == files


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_the_secrets_stay_out_of_the_record(invoke, tmp_path, framework):
    url = "mysql://app:s3cr3t-pw@127.0.0.1:3306/shop"
    result = invoke(
        "new", "shop", "-f", framework, "--database-url", url, "--no-venv", "--no-git", cwd=tmp_path
    )
    assert result.exit_code == 0, result.output
    root = tmp_path / "shop"
    key = next(
        line.split("=", 1)[1]
        for line in (root / ".env").read_text().splitlines()
        if line.startswith("SECRET_KEY=")
    )
    pyproject = (root / "pyproject.toml").read_text()
    assert len(key) >= 50 and key not in pyproject and "s3cr3t-pw" not in pyproject
    table = project.read_pyproject(root / "pyproject.toml")["tool"]["webkit"]
    assert table["answers"]["database"] == "mysql"


def test_every_release_of_every_template_is_recorded_and_rebuilds_exactly():
    recorded = json.loads(
        (template_store.templates_root() / "releases" / "versions.json").read_text()
    )
    for framework in FRAMEWORKS:
        current = template_store.current_version(framework)
        versions = template_store.known_versions(framework)
        assert versions == [str(n) for n in range(1, int(current) + 1)], framework
        for version in versions:
            with template_store.release(framework, version) as template:
                assert template_store.version_of(template) == version
                assert template_store.digest(template) == recorded[framework][version], (
                    f"release {version} of the {framework} template no longer rebuilds to "
                    "what it was"
                )


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_a_template_that_changed_has_a_new_version(framework):
    """Any change to what a template renders bumps its template_version: projects record it,
    and `webkit update` renders the old release again to merge from."""
    current = template_store.current_dir(framework)
    version = template_store.version_of(current)
    recorded = json.loads(
        (template_store.templates_root() / "releases" / "versions.json").read_text()
    )[framework]
    assert template_store.digest(current) == recorded.get(version), (
        f"templates/{framework} changed but its template_version is still {version}: run "
        "`python tools/bump_template.py` (it keeps the released files and bumps the version)"
    )


def _values_of_release(framework: str, version: str, database: str) -> dict[str, str]:
    """The template's variables as the `webkit new` of that release gave them."""
    from webkit_cli import frameworks

    project_names = names.validate("my_shop")
    return {
        "project_name": project_names.name,
        "project_slug": project_names.distribution,
        "package_name": project_names.package,
        "description": frameworks.get(framework).description,
        "python_version": "3.12",
        "database": database,
        "database_url": "",
        "secret_key": "s" * 50,
        "template_version": version,
    }


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_projects_of_every_earlier_release_render_again_exactly(tmp_path, framework, database):
    for version in template_store.known_versions(framework):
        with template_store.release(framework, version) as template:
            root = scaffold.render(
                template, _values_of_release(framework, version, database), tmp_path / version
            )
        rec = project.load(root).record
        assert rec.template_version == version
        assert rendered_again(root, tmp_path / f"again-{version}") == pristine.files(root)


def test_an_unknown_release_is_a_clear_error():
    from webkit_cli.errors import UsageError

    with pytest.raises(UsageError, match="template_version '99' of the flask template") as raised:
        template_store.check_version("flask", "99")
    assert "upgrade webkit" in raised.value.hint


EVERY_TYPE = [
    "title:str:120",
    "body:text?",
    "views:int:index",
    "rating:float?",
    "published:bool",
    "price:decimal",
    "published_on:date",
    "starts_at:datetime?",
    "contact:email:unique",
    "site:url?",
    "slug:slug:unique",
    "author:ref:Author",
    "editor:ref:Author?",
]


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("database", record.DATABASES)
def test_generated_resources_and_apps_render_again_to_the_committed_files(
    invoke, tmp_path, framework, database
):
    """The record of a project with resources of every field type and an app renders again
    to exactly the files generate wrote (the migrations its tools made aside)."""
    result = invoke("new", "shop", "-f", framework, "--db", database, "--no-venv", "-o", tmp_path)
    assert result.exit_code == 0, result.output
    root = tmp_path / "shop"
    for args in (
        ("resource", "Author", "name:str", "--no-migrate"),
        ("resource", "Post", *EVERY_TYPE, "--no-migrate"),
        ("app", "blog"),
    ):
        done = invoke("generate", *args, cwd=root)
        assert done.exit_code == 0, done.output
    made = "migrations/versions/0002_create_author_table.py"
    if framework == "django":
        made = "shop/migrations/0002_author.py"
    (root / made).write_text("# made by the framework's tool\n")
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    subprocess.run(
        ["git", "-c", "user.name=me", "-c", "user.email=me@x", "commit", "-qm", "generated"],
        cwd=root,
        check=True,
    )
    again = rendered_again(root, tmp_path)
    assert made not in again
    files = committed(root, again)
    assert made not in files
    assert again == files


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_generated_code_is_as_ruff_writes_it_for_the_longest_names(tmp_path, framework):
    """Shared files list every resource, and resources' files hold their names: for names as
    long as the rules allow, the render still passes ruff check and ruff format --check."""
    ruff = REPO / ".venv" / "bin" / "ruff"
    if not ruff.exists():
        ruff = Path(shutil.which("ruff") or "ruff")
    long = "my_online_shop_store_"
    rec = record.Record(
        framework=framework,
        package=long.rstrip("_"),
        template_version=template_store.current_version(framework),
        answers={"project_name": long.rstrip("_"), "project_slug": "p", "database": "mysql"},
        resources=(
            {"name": "Abcdefghijklmnopqrst", "fields": ["abcdefghij_klmnopqrs:str"]},
            {
                "name": "Zyxwvutsrqponmlkjihg",
                "fields": [
                    "abcdefghij_klmnopqrs:ref:Abcdefghijklmnopqrst",
                    "zyxwvutsrq_ponmlkjih:ref:Abcdefghijklmnopqrst?",
                    "qwertyuiop_asdfghjkl:text?",
                    "mnbvcxzlkj_hgfdsapoi:decimal:index",
                    "poiuytrewq_lkjhgfdsa:slug:unique",
                    "lkjhgfdsap_oiuytrewq:url?",
                    "views_views_views_vi:int",
                ],
            },
            *({"name": f"Thing{n}", "fields": ["name:str"]} for n in range(8)),
        ),
        apps=tuple({"name": f"app_number_{n}"} for n in range(4)),
    )
    root = pristine.render(rec, tmp_path / "render")
    for args in (["check", "--no-cache", "."], ["format", "--check", "--no-cache", "."]):
        done = subprocess.run([ruff, *args], cwd=root, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
