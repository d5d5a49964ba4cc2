import stat
from pathlib import Path

import pytest

from webkit_cli import scaffold
from webkit_cli.errors import StepFailed, UsageError

TINY = Path(__file__).parent / "fixtures" / "tiny"
VALUES = {"project_name": "my-app", "secret_key": "s3cret"}


def test_render_appears_whole_with_private_env(tmp_path):
    target = tmp_path / "my-app"
    scaffold.render(TINY, VALUES, target)
    assert (target / "README.md").read_text() == "# my-app (my_app)\n"
    env = target / ".env"
    assert env.read_text() == "SECRET_KEY=s3cret\n"
    assert stat.S_IMODE(env.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["my-app"]  # no staging left


def test_render_into_an_existing_empty_directory(tmp_path):
    target = tmp_path / "my-app"
    target.mkdir()
    scaffold.render(TINY, VALUES, target)
    assert (target / "README.md").is_file()


def test_a_directory_that_appeared_meanwhile_is_left_alone(tmp_path):
    target = tmp_path / "my-app"
    target.mkdir()
    (target / "mine.txt").write_text("user data")
    with pytest.raises(UsageError, match="appeared while"):
        scaffold.render(TINY, VALUES, target)
    assert [p.name for p in target.iterdir()] == ["mine.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["my-app"]


def test_failed_render_leaves_nothing(tmp_path, monkeypatch):
    def explode(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("cookiecutter.generate.generate_files", explode)
    with pytest.raises(StepFailed, match="No space left on device"):
        scaffold.render(TINY, VALUES, tmp_path / "my-app")
    assert list(tmp_path.iterdir()) == []


def test_interrupted_render_leaves_nothing(tmp_path, monkeypatch):
    real = scaffold._generate

    def interrupted(template, values, output_dir):
        real(template, values, output_dir)  # files written, then Ctrl-C before the rename
        raise KeyboardInterrupt

    monkeypatch.setattr(scaffold, "_generate", interrupted)
    with pytest.raises(KeyboardInterrupt):
        scaffold.render(TINY, VALUES, tmp_path / "my-app")
    assert list(tmp_path.iterdir()) == []


def test_unwritable_parent_is_a_usage_error(tmp_path, monkeypatch):
    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(scaffold.os, "mkdir", denied)  # the staging folder beside the target
    with pytest.raises(UsageError, match=r"cannot write in .*Permission denied"):
        scaffold.render(TINY, VALUES, tmp_path / "my-app")
    assert list(tmp_path.iterdir()) == []


def test_preview_lists_files_and_writes_nothing_in_place(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert scaffold.preview(TINY, VALUES) == [".env", "README.md"]
    assert list(tmp_path.iterdir()) == []


def test_no_replay_file_with_the_secret_is_written(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    scaffold.render(TINY, VALUES, tmp_path / "my-app")
    assert not (tmp_path / "home").exists()


def test_every_template_file_is_tracked_by_git():
    """The templates' own .gitignore (which ignores .env) must not hide template files from git:
    a clean clone, and so CI and every wheel built from it, would lack them."""
    repo = Path(__file__).resolve().parent.parent
    if not (repo / ".git").exists():
        pytest.skip("not a git checkout")
    import subprocess

    ignored = subprocess.run(
        ["git", "ls-files", "--others", "--ignored", "--exclude-standard", "templates"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert [p for p in ignored if "__pycache__" not in p] == []
    tracked = subprocess.run(
        ["git", "ls-files", "templates"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.split()
    for framework in ("flask", "django"):
        assert f"templates/{framework}/{{{{cookiecutter.project_slug}}}}/.env" in tracked


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_one_file_renders_as_the_whole_render_writes_it(tmp_path, database):
    template = scaffold.template_dir("flask")
    values = {
        "project_name": "shop",
        "project_slug": "shop",
        "package_name": "shop",
        "database": database,
    }
    alone = scaffold.render_one(template, values, "pyproject.toml")
    scaffold.render(template, values, tmp_path / "shop")
    assert alone == (tmp_path / "shop" / "pyproject.toml").read_text(encoding="utf-8")
    assert ("psycopg[binary]" in alone) is (database == "postgres")
    with pytest.raises(StepFailed, match="could not be rendered"):
        scaffold.render_one(template, values, "no-such-file.toml")


def _tree(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(root)): (p.read_bytes(), stat.S_IMODE(p.stat().st_mode))
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize("framework", ["flask", "django"])
def test_files_without_jinja_are_copied_and_the_project_is_what_cookiecutter_renders(
    tmp_path, framework
):
    from cookiecutter.generate import generate_context, generate_files
    from cookiecutter.prompt import prompt_for_config

    template = scaffold.template_dir(framework)
    values = {"project_name": "my shop", "secret_key": "s3cret", "database": "postgres"}
    plain = scaffold._plain_files(template)
    assert any(p.endswith(".gitignore") for p in plain)  # a file with no Jinja in it
    assert not any(p.endswith("pyproject.toml") for p in plain)  # a template
    webkit = scaffold.render(template, values, tmp_path / "webkit")

    # cookiecutter alone, every file through Jinja (but for the template's own copy-only list)
    context = generate_context(str(template / "cookiecutter.json"), {}, values)
    context["cookiecutter"] = prompt_for_config(context, no_input=True)
    (tmp_path / "cc").mkdir()
    alone = Path(generate_files(str(template), context, str(tmp_path / "cc"), accept_hooks=False))
    ours, theirs = _tree(webkit), _tree(alone)
    assert ours.keys() == theirs.keys() and len(ours) > 30
    different = [name for name in ours if ours[name] != theirs[name] and name != ".env"]
    assert different == []  # .env differs only by its mode: webkit makes it private
    assert ours[".env"][0] == theirs[".env"][0]


FEATURED = Path(__file__).parent / "fixtures" / "featured"


def test_a_feature_adds_its_overlay_and_its_fragments_only_when_on(tmp_path):
    plain = scaffold.render(FEATURED, {"project_name": "app"}, tmp_path / "plain")
    assert (plain / "README.md").read_text() == "# app\nResources: none\n"
    assert (plain / "settings.txt").read_text() == "base settings\n"
    assert not (plain / "docs").exists()

    values = {
        "project_name": "app",
        "_features": {"extra": {"level": 3}},
        "_resources": [{"name": "Post", "fields": ["title:str"]}],
    }
    featured = scaffold.render(FEATURED, values, tmp_path / "featured")
    assert (featured / "README.md").read_text() == ("# app\nExtra, at level 3.\nResources: Post\n")
    assert (featured / "docs" / "EXTRA.md").read_text() == "Extra docs for app\n"
    assert (featured / "settings.txt").read_text() == "settings with extra\n"  # replaced
    assert (
        scaffold.render_one(FEATURED, values, "README.md") == (featured / "README.md").read_text()
    )


def test_bytecode_beside_the_template_never_reaches_the_project(tmp_path):
    """pip compiles every .py file of the wheel it installs, the template's too: those .pyc
    files (of sources with Jinja in them) are no part of the template."""
    import shutil

    template = tmp_path / "template"
    shutil.copytree(TINY, template)
    inner = next(p for p in template.iterdir() if p.is_dir())
    for folder in (template, inner):
        cache = folder / "__pycache__"
        cache.mkdir()
        (cache / "module.cpython-311.pyc").write_bytes(b"\xa7\r\r\n" + bytes(range(200)))
    assert scaffold.preview(template, VALUES) == [".env", "README.md"]
    target = tmp_path / "my-app"
    scaffold.render(template, VALUES, target)
    assert sorted(p.name for p in target.rglob("*")) == [".env", "README.md"]


def test_ctrl_c_just_as_the_staging_folder_is_made_leaves_nothing(tmp_path, monkeypatch):
    """A Ctrl-C handled right after mkdir(2) returned, before Python has the folder's name
    back (seen under load in test_faults), must not leave the staging folder behind."""
    import os

    real_mkdir = os.mkdir

    def mkdir_then_interrupted(path, *args, **kwargs):
        real_mkdir(path, *args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "mkdir", mkdir_then_interrupted)
    with pytest.raises(KeyboardInterrupt):
        scaffold.render(TINY, VALUES, tmp_path / "my-app")
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []
