import pytest

from webkit_cli import project
from webkit_cli.errors import UsageError

PYPROJECT = """
[project]
name = "shop"
dependencies = ["flask>=3.1,<4"]

[dependency-groups]
dev = ["pytest>=8", {include-group = "lint"}]
lint = ["ruff"]

[tool.webkit]
framework = "flask"
package = "shop"
template_version = "1"

[tool.webkit.answers]
python_version = "3.11"
"""


def test_found_from_a_subdirectory(tmp_path):
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    deep = tmp_path / "shop" / "templates"
    deep.mkdir(parents=True)
    proj = project.find(deep)
    assert proj.root == tmp_path
    assert proj.framework.name == "flask"
    assert proj.package == "shop"
    assert proj.dependencies == ["flask>=3.1,<4"]
    assert proj.dev_dependencies == ["pytest>=8", "ruff"]
    assert proj.answers["python_version"] == "3.11"
    assert proj.python == tmp_path / ".venv" / "bin" / "python"


def test_outside_any_project(tmp_path):
    with pytest.raises(UsageError) as excinfo:
        project.find(tmp_path)
    assert "not inside a webkit project" in excinfo.value.message
    assert "webkit new" in excinfo.value.hint
    assert excinfo.value.exit_code == 2


def test_pyproject_without_webkit_table(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    with pytest.raises(UsageError, match=r"has no \[tool.webkit\] table"):
        project.find(tmp_path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[tool.webkit\nframework = 'flask'", "not valid TOML"),
        ("[tool.webkit]\nframework = 'rails'\npackage = 'shop'", "'rails' is not one webkit knows"),
        ("[tool.webkit]\nframework = 'flask'\npackage = 'not a name'", "is not a Python package"),
        ("[tool]\nwebkit = 3", r"has no \[tool.webkit\] table"),
    ],
)
def test_broken_webkit_table(tmp_path, text, message):
    (tmp_path / "pyproject.toml").write_text(text)
    with pytest.raises(UsageError, match=message):
        project.find(tmp_path)
