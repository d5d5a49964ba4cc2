"""Reading migrations without the framework (webkit_cli/migrations.py): Alembic's revision
graph and Django's apps and squashed migrations, and when the files must be left to the
framework. That the answers agree with the frameworks' own on real projects is checked end to
end in test_e2e_daily.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from webkit_cli import migrations


def revision(folder: Path, rev: str, down: object, annotated: bool = False) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    if annotated:  # as Alembic's newer templates write them
        text = f"revision: str = {rev!r}\ndown_revision: str | None = {down!r}\n"
    else:
        text = f"revision = {rev!r}\ndown_revision = {down!r}\nbranch_labels = None\n"
    (folder / f"{rev}_m.py").write_text(f'"""A migration."""\nimport sqlalchemy as sa\n{text}')


def test_alembic_linear_history(tmp_path):
    revision(tmp_path, "0001", None)
    revision(tmp_path, "0002", "0001", annotated=True)
    revision(tmp_path, "0003", "0002")
    found = migrations.alembic(tmp_path)
    assert found.names == ("0001", "0002", "0003")
    assert found.pending([("0003",)]) == []
    assert found.pending([("0001",)]) == ["0002", "0003"]
    assert found.pending([]) == ["0001", "0002", "0003"]
    assert found.unknown([("0001",)]) == []
    assert found.unknown([("beef",)]) == ["beef"]


def test_alembic_branches_and_a_merge(tmp_path):
    revision(tmp_path, "a", None)
    revision(tmp_path, "b1", "a")
    revision(tmp_path, "b2", "a")
    found = migrations.alembic(tmp_path)
    # two heads: the table holds one row per applied head
    assert found.pending([("b1",)]) == ["b2"]
    assert found.pending([("b1",), ("b2",)]) == []
    revision(tmp_path, "m", ("b1", "b2"))
    merged = migrations.alembic(tmp_path)
    assert merged.pending([("b1",), ("b2",)]) == ["m"]
    assert merged.pending([("m",)]) == []


def test_alembic_ignores_modules_that_are_not_migrations(tmp_path):
    revision(tmp_path, "0001", None)
    (tmp_path / "helpers.py").write_text("def f():\n    return 1\n")
    assert migrations.alembic(tmp_path).names == ("0001",)


@pytest.mark.parametrize(
    "text",
    ["revision = make()\ndown_revision = None\n", "revision = 'x'\ndown_revision = 3\n", "def (:"],
)
def test_alembic_files_that_need_running_are_left_to_the_framework(tmp_path, text):
    (tmp_path / "0001_m.py").write_text(text)
    assert migrations.read("alembic", tmp_path.parent, tmp_path.name, None) is None


def test_next_revision_follows_the_numbering(tmp_path):
    assert migrations.next_revision(tmp_path / "missing") == "0001"
    revision(tmp_path, "0001", None)
    revision(tmp_path, "0041", "0001")
    revision(tmp_path, "beefcafe", "0041")  # a revision Alembic named itself
    assert migrations.next_revision(tmp_path) == "0042"


def app(root: Path, module: str, names: list[str], label: str | None = None, replaces=None):
    folder = root.joinpath(*module.split("."))
    (folder / "migrations").mkdir(parents=True)
    for part in range(1, len(module.split(".")) + 1):
        init = root.joinpath(*module.split(".")[:part]) / "__init__.py"
        init.touch()
    (folder / "migrations" / "__init__.py").touch()
    for name in names:
        replaced = (replaces or {}).get(name)
        body = f"    replaces = {replaced!r}\n" if replaced else "    pass\n"
        (folder / "migrations" / f"{name}.py").write_text(f"class Migration:\n{body}")
    if label:
        (folder / "apps.py").write_text(
            f"class Config:\n    name = {module!r}\n    label = {label!r}\n"
        )


def settings(root: Path, apps: list[str], extra: str = "") -> Path:
    path = root / "config" / "settings.py"
    path.parent.mkdir(exist_ok=True)
    path.write_text(f"DEBUG = True\nINSTALLED_APPS = {apps!r}\n{extra}")
    return path


def test_django_apps_in_the_project_and_in_site_packages(tmp_path):
    project, site = tmp_path / "project", tmp_path / "site"
    app(site, "django.contrib.auth", ["0001_initial", "0002_more"])
    (site / "whitenoise" / "runserver_nostatic").mkdir(parents=True)  # an app without models
    (site / "whitenoise" / "__init__.py").touch()
    (site / "whitenoise" / "runserver_nostatic" / "__init__.py").touch()
    app(project, "shop", ["0001_initial", "_helper", "~tmp"])
    (project / "shop" / "apps.py").write_text("class ShopConfig:\n    name = 'shop'\n")
    found = migrations.django(
        settings(
            project,
            ["django.contrib.auth", "whitenoise.runserver_nostatic", "shop.apps.ShopConfig"],
        ),
        [project, site],
    )
    assert found.names == ("auth.0001_initial", "auth.0002_more", "shop.0001_initial")
    rows = [("auth", "0001_initial"), ("shop", "0001_initial")]
    assert found.pending(rows) == ["auth.0002_more"]


def test_django_app_label_from_its_config(tmp_path):
    app(tmp_path, "billing.core", ["0001_initial"], label="billing")
    found = migrations.django(settings(tmp_path, ["billing.core"]), [tmp_path])
    assert found.names == ("billing.0001_initial",)
    assert found.pending([("billing", "0001_initial")]) == []


@pytest.mark.parametrize(
    ("applied", "pending"),
    [
        ([], ["shop.0001_squashed_0002"]),  # none of the replaced ran: the squash stands in
        ([("shop", "0001_initial")], ["shop.0002_more"]),  # some ran: the originals go on
        ([("shop", "0001_initial"), ("shop", "0002_more")], []),  # all ran: squash counts
        ([("shop", "0001_squashed_0002")], []),
    ],
)
def test_django_squashed_migrations_count_as_django_counts_them(tmp_path, applied, pending):
    replaces = {"0001_squashed_0002": [("shop", "0001_initial"), ("shop", "0002_more")]}
    app(tmp_path, "shop", ["0001_initial", "0002_more", "0001_squashed_0002"], replaces=replaces)
    found = migrations.django(settings(tmp_path, ["shop"]), [tmp_path])
    assert found.pending(applied) == pending


@pytest.mark.parametrize(
    ("apps", "extra"),
    [
        (["shop"], "INSTALLED_APPS += ['other']\n"),
        (["shop"], "INSTALLED_APPS.append('other')\n"),
        (["shop"], "MIGRATION_MODULES = {'shop': 'elsewhere'}\n"),
        (["shop", "nowhere"], ""),
    ],
)
def test_django_settings_that_need_running_are_left_to_the_framework(tmp_path, apps, extra):
    app(tmp_path, "shop", ["0001_initial"])
    settings(tmp_path, apps, extra)
    assert migrations.read("django", tmp_path, "config/settings.py", None) is None


def test_django_settings_built_by_code_are_left_to_the_framework(tmp_path):
    path = tmp_path / "config" / "settings.py"
    path.parent.mkdir()
    path.write_text("BASE = ['a']\nINSTALLED_APPS = BASE + ['shop']\n")
    assert migrations.read("django", tmp_path, "config/settings.py", None) is None
