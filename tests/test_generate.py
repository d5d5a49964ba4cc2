"""`webkit generate resource|app` and `webkit destroy resource`, on real projects without .venv
(`--no-migrate`: the files and the record are what these test; tests/test_e2e_generate.py makes
and applies the migrations, runs the projects' own suites and drives them in Chromium).

Every refusal exits 2 and changes nothing: files, the index, HEAD. A failure after the files
are written puts them back byte for byte.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_update import commit, edit, git, newer_templates, snapshot
from webkit_cli import project, template_store

POST = ["title:str", "body:text?", "views:int", "published:bool", "slug:slug:unique"]


def generate(invoke, root: Path, *args: str):
    return invoke("generate", *args, cwd=root)


def resource(invoke, root: Path, name: str, *fields: str):
    result = invoke("generate", "resource", name, *fields, "--no-migrate", cwd=root)
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def make(invoke, tmp_path, monkeypatch):
    """`make(framework)`: a new project (no .venv), committed (test_update's, here too)."""
    monkeypatch.delenv("WEBKIT_TEMPLATES_DIR", raising=False)

    def build(framework: str = "flask") -> Path:
        result = invoke("new", "shop", "-f", framework, "--no-venv", "-o", tmp_path, "-y")
        assert result.exit_code == 0, result.output
        return tmp_path / "shop"

    return build


@pytest.mark.parametrize("framework", ["flask", "django"])
def test_a_resource_is_written_and_recorded_as_typed(invoke, make, framework):
    root = make(framework)
    result = resource(invoke, root, "Post", *POST)
    assert "Now make and apply its migration" in result.output
    text = (root / "pyproject.toml").read_text()
    assert (
        '[[tool.webkit.resources]]\nname = "Post"\nfields = '
        + ('["title:str", "body:text?", "views:int", "published:bool", "slug:slug:unique"]\n')
        in text
    )
    record = project.load(root).record
    assert record.resources == ({"name": "Post", "fields": POST},)  # nothing derived
    own = {
        "flask": ["shop/api/posts.py", "shop/posts.py", "shop/templates/posts/form.html"],
        "django": ["shop/api/posts.py", "shop/templates/shop/post_form.html"],
    }[framework]
    for path in [*own, "tests/test_posts_api.py", "tests/test_posts_pages.py"]:
        assert (root / path).is_file(), path
    assert "class Post(" in (root / "shop/models.py").read_text()
    assert git(root, "diff", "--cached", "--name-only") == ""  # nothing staged
    assert not (root / ".git/webkit/update.json").exists()  # nothing pending either


def test_dry_run_lists_the_files_and_the_migration_and_changes_nothing(invoke, make):
    root = make()
    before = snapshot(root)
    result = generate(invoke, root, "resource", "Post", *POST, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would be added     shop/api/posts.py" in result.output
    assert "would be updated   shop/models.py" in result.output
    assert "migration for post, named create_post_table, made and applied" in result.output
    assert "Dry run: nothing was changed." in result.output
    assert snapshot(root) == before


REFUSALS = [
    (("Item", "name:str"), "would share its class 'Item' with the example model"),
    (("Items", "name:str"), "with the example model the project has, Item"),
    (("class", "title:str"), "which is a Python keyword"),
    (("Type", "title:str"), "which is a Python builtin"),
    (("Post", "id:int"), "field 'id' is reserved"),
    (("Post", "created_at:datetime"), "field 'created_at' is reserved"),
    (("Post", "title:string"), "'string' is not a type webkit knows"),
    (("2Post", "title:str"), "is not a valid name"),
    (("Post", "Title:str"), "is not a valid name"),
    (("Post", "title:str", "title:text"), "field 'title' is given twice"),
    (("Post", "author:ref:Author"), "refers to 'Author', which is not a resource"),
    (("Doc", "title:str"), "would be served under /docs/"),
    (("Page", "title:str"), "shop/pages.py, which the project has already"),
    (("Model", "title:str"), "a name the project's models or pages import already"),
    (("Category", "parent:ref:Category"), "make it optional: parent:ref:Category?"),
    (("Post",), "has no fields"),
]


@pytest.mark.parametrize(("args", "message"), REFUSALS)
def test_refusals_exit_2_and_change_nothing(invoke, make, args, message):
    root = make()
    before = snapshot(root)
    result = generate(invoke, root, "resource", *args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "hint:" in result.output and "Traceback" not in result.output
    assert snapshot(root) == before


def test_a_name_taken_by_a_resource_or_a_model_of_the_users_is_refused(invoke, make):
    root = make()
    resource(invoke, root, "Post", "title:str")
    commit(root)
    before = snapshot(root)
    again = generate(invoke, root, "resource", "posts", "title:str")
    assert again.exit_code == 2 and "with a resource the project has, Post" in again.output
    with (root / "shop/models.py").open("a") as models:
        models.write('\n\nclass Tag(Model):\n    __tablename__ = "label"\n')
    commit(root)
    before = snapshot(root)
    for args, message in [
        (("Tag", "name:str"), "shop/models.py defines a class Tag already"),
        (("Label", "name:str"), "would have the table 'label', which a model of the project"),
    ]:
        result = generate(invoke, root, "resource", *args)
        assert result.exit_code == 2 and message in result.output, result.output
    assert snapshot(root) == before


def test_outside_a_project_it_is_refused(invoke, tmp_path):
    result = invoke("generate", "resource", "Post", "title:str", cwd=tmp_path)
    assert result.exit_code == 2
    assert "is not inside a webkit project" in result.output


def test_it_works_beside_uncommitted_changes_and_leaves_them_alone(invoke, make):
    root = make()
    edit(root / "README.md", "# shop\n", "# shop\n\nWork in progress.\n")
    (root / "notes.txt").write_text("mine\n")
    git(root, "add", "notes.txt")
    resource(invoke, root, "Post", "title:str")
    assert "Work in progress." in (root / "README.md").read_text()
    assert git(root, "diff", "--cached", "--name-only").split() == ["notes.txt"]
    # and a second resource, referring to the first, before anything is committed
    resource(invoke, root, "Comment", "post:ref:Post", "body:text")
    models = (root / "shop/models.py").read_text()
    assert "class Post(" in models and "class Comment(" in models
    assert 'ForeignKey("post.id")' in models


def test_a_model_the_user_appended_stays_beside_the_new_one(invoke, make):
    root = make("django")
    with (root / "shop/models.py").open("a") as models:
        models.write(
            "\n\nclass Tag(models.Model):\n    name = models.CharField(max_length=20)\n\n"
            "    def __str__(self) -> str:\n        return self.name\n"
        )
    result = resource(invoke, root, "Post", "title:str")  # not committed: it works on files
    text = (root / "shop/models.py").read_text()
    assert "class Tag(models.Model):" in text and "class Post(models.Model):" in text
    assert text.index("class Tag") < text.index("class Post")
    assert "shop/models.py: merged beside your own changes there" in result.output


class Migration:
    """Stands for makemigration.Running: `finish` does what it is given."""

    def __init__(self, finish):
        self.finish = finish
        self.cancelled = False

    def cancel(self):
        self.cancelled = True


def test_a_failure_after_the_files_are_written_puts_them_back(invoke, make, monkeypatch):
    from webkit_cli import makemigration, virtualenvs
    from webkit_cli.errors import StepFailed

    root = make()
    (root / "notes.txt").write_text("untracked, mine\n")
    edit(root / "shop/models.py", '"""Database models', '"""My database models')
    before = snapshot(root)

    def fails():
        assert (root / "shop/api/posts.py").is_file()  # the files are there by now
        raise StepFailed("making or applying the migration failed: disk full", "free some")

    monkeypatch.setattr(makemigration, "start", lambda *args: Migration(fails))
    monkeypatch.setattr(virtualenvs, "venv_problem", lambda python: None)
    result = generate(invoke, root, "resource", "Post", *POST)
    assert result.exit_code == 1
    assert "disk full" in result.output
    assert snapshot(root) == before
    assert not (root / "shop/templates/posts").exists()


def test_ctrl_c_during_the_migration_puts_everything_back(invoke, make, monkeypatch):
    from webkit_cli import makemigration, virtualenvs

    root = make("django")
    before = snapshot(root)

    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr(makemigration, "start", lambda *args: Migration(interrupted))
    monkeypatch.setattr(virtualenvs, "venv_problem", lambda python: None)
    result = generate(invoke, root, "resource", "Post", *POST)
    assert result.exit_code == 130
    assert snapshot(root) == before


@pytest.mark.parametrize("framework", ["flask", "django"])
def test_destroy_removes_what_generate_wrote_and_keeps_what_the_user_changed(
    invoke, make, framework
):
    root = make(framework)
    pristine_files = snapshot(root)
    resource(invoke, root, "Post", *POST)
    commit(root)
    api = root / "shop/api/posts.py"
    api.write_text(api.read_text() + "\n# my own helper\n")
    commit(root)
    result = invoke("destroy", "resource", "Post", "--no-migrate", cwd=root)
    assert result.exit_code == 0, result.output
    assert "kept shop/api/posts.py: you changed it" in result.output
    assert "# my own helper" in api.read_text()
    api.unlink()
    after = snapshot(root)
    for key in ("<HEAD>", "<index>"):
        after.pop(key), pristine_files.pop(key)
    assert after == pristine_files  # the rest is as `webkit new` wrote it


def test_destroy_refuses_what_it_cannot_and_changes_nothing(invoke, make):
    root = make()
    resource(invoke, root, "Author", "name:str")
    resource(invoke, root, "Post", "title:str", "author:ref:Author")
    before = snapshot(root)
    for name, message in [
        ("Author", "Post refers to Author (author:ref:Author)"),
        ("Comment", "the project has no generated resource 'Comment' (it has: Author, Post)"),
    ]:
        result = invoke("destroy", "resource", name, cwd=root)
        assert result.exit_code == 2, result.output
        assert message in result.output
    assert snapshot(root) == before


@pytest.mark.parametrize("framework", ["flask", "django"])
def test_an_app_is_written_and_wired_in(invoke, make, framework):
    root = make(framework)
    result = generate(invoke, root, "app", "blog")
    assert result.exit_code == 0, result.output
    assert '[[tool.webkit.apps]]\nname = "blog"\n' in (root / "pyproject.toml").read_text()
    if framework == "django":
        assert '    "blog",\n]' in (root / "config/settings.py").read_text()
        assert 'path("blog/", include("blog.urls"))' in (root / "config/urls.py").read_text()
        pyproject = (root / "pyproject.toml").read_text()
        assert 'testpaths = ["tests", "blog"]' in pyproject
        assert 'source = ["config", "shop", "blog"]' in pyproject
        assert (root / "blog/tests/test_views.py").is_file()
    else:
        assert "app.register_blueprint(blog.bp)" in (root / "shop/__init__.py").read_text()
        assert (root / "shop/blog/__init__.py").is_file()
        assert (root / "tests/test_blog.py").is_file()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Blog", "is not a valid name"),
        ("json", "the name of a module Python or the project already imports"),
        ("api", "served under /api/"),
        ("pages", "shop/pages is in the project already"),
        ("shop", "is taken in this project"),
    ],
)
def test_app_refusals(invoke, make, name, message):
    root = make()
    before = snapshot(root)
    result = generate(invoke, root, "app", name)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert snapshot(root) == before


def test_generate_refuses_a_project_behind_the_template(invoke, make):
    root = make()
    now = template_store.current_version("flask")
    edit(root / "pyproject.toml", f'template_version = "{now}"', 'template_version = "3"')
    commit(root)
    result = generate(invoke, root, "resource", "Post", "title:str")
    assert result.exit_code == 2
    assert "update it first: webkit update" in result.output


RESOURCE_API = "templates/resource/{{cookiecutter.project_slug}}/{{cookiecutter.package_name}}"


@pytest.mark.parametrize("framework", ["flask", "django"])
def test_update_carries_a_change_of_the_generator_into_generated_resources(
    invoke, make, tmp_path, monkeypatch, framework
):
    """A template change to the resource generator's output reaches a resource generated
    before it by `webkit update`'s merge, beside the user's own change to the same file."""
    root = make(framework)
    resource(invoke, root, "Post", *POST)
    resource(invoke, root, "Tag", "name:str:40")
    api = root / "shop/api/posts.py"
    edit(api, "def get_or_404(", "# My note.\ndef get_or_404(")
    commit(root)

    def change(template: Path) -> None:
        edit(
            template / RESOURCE_API / "api/{{resource.module}}.py",
            "# Who may read",
            "# Generated by webkit, release NEXT.\n# Who may read",
        )

    templates = newer_templates(tmp_path / "newer", framework, change)
    monkeypatch.setenv("WEBKIT_TEMPLATES_DIR", str(templates))
    result = invoke("update", "--no-install", cwd=root)
    assert result.exit_code == 0, result.output
    assert "updated   shop/api/posts.py" in result.output
    assert "updated   shop/api/tags.py" in result.output
    text = api.read_text()
    assert "# Generated by webkit, release NEXT." in text and "# My note." in text
    assert "# Generated by webkit, release NEXT." in (root / "shop/api/tags.py").read_text()
    # the record kept what was given, at the new release
    record = project.load(root).record
    assert [r["name"] for r in record.resources] == ["Post", "Tag"]
    assert record.template_version == template_store.version_of(templates / framework)


def test_a_migration_the_framework_made_is_a_generated_file(invoke, make, tmp_path, monkeypatch):
    """Migrations that `flask db migrate` / makemigrations wrote are the project's: the pristine
    comparison leaves them out, and `webkit update` neither merges nor removes them."""
    from tests.test_pristine import committed, rendered_again

    root = make()
    resource(invoke, root, "Post", *POST)
    made = root / "migrations/versions/0002_create_post_table.py"
    made.write_text('"""create post table"""\n\nrevision = "0002"\ndown_revision = "0001"\n')
    commit(root)
    again = rendered_again(root, tmp_path / "render")
    assert "migrations/versions/0002_create_post_table.py" not in again
    assert committed(root, again) == again

    def add_a_file(template: Path) -> None:
        (template / "{{cookiecutter.project_slug}}/NOTES.md").write_text("notes\n")

    templates = newer_templates(tmp_path / "newer", "flask", add_a_file)
    monkeypatch.setenv("WEBKIT_TEMPLATES_DIR", str(templates))
    result = invoke("update", "--no-install", cwd=root)
    assert result.exit_code == 0, result.output
    assert "added     NOTES.md" in result.output
    assert made.read_text().startswith('"""create post table"""')
    assert "0002_create_post_table" not in result.output
