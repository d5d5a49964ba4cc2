"""The record in [tool.webkit]: read from every release's pyproject.toml, refused clearly when
malformed, and never holding a secret."""

from __future__ import annotations

import pytest

from webkit_cli import record
from webkit_cli.errors import UsageError
from webkit_cli.project import tomllib

RELEASE_1 = """
[project]
name = "my-shop"
description = "A Flask web application."

[tool.webkit]
framework = "flask"
package = "my_shop"
template_version = "1"

[tool.webkit.answers]
project_name = "my_shop"
database = "postgres"
python_version = "3.12"
"""

RELEASE_2 = """
[tool.webkit]
framework = "django"
package = "blog"
template_version = "2"

[tool.webkit.answers]
project_name = "Blog"
project_slug = "blog"
description = "Mine."
python_version = "3.13"
database = "mysql"

[[tool.webkit.resources]]
name = "Post"
fields = ["title:str", "body:text?"]
"""


def test_release_1_records_are_read_with_what_new_gave_then():
    rec = record.from_pyproject(tomllib.loads(RELEASE_1))
    assert rec.framework == "flask" and rec.package == "my_shop"
    assert rec.template_version == "1"
    # project_slug and description were not recorded: new derived them from the name and the
    # framework, as the render did.
    assert rec.answers == {
        "project_name": "my_shop",
        "project_slug": "my-shop",
        "description": "A Flask web application.",
        "database": "postgres",
        "python_version": "3.12",
    }
    assert rec.features == {} and rec.resources == ()


def test_a_full_record_round_trips_into_the_templates_values():
    rec = record.from_pyproject(tomllib.loads(RELEASE_2))
    assert rec.database == "mysql"
    assert rec.resources == ({"name": "Post", "fields": ["title:str", "body:text?"]},)
    values = rec.values({"secret_key": "k" * 50, "database_url": "mysql://u:p@h/blog"})
    assert values["package_name"] == "blog" and values["template_version"] == "2"
    assert values["secret_key"] == "k" * 50
    # what the user gave, with the names webkit derives from it (resources.py)
    (post,) = values["_resources"]
    assert post["name"] == "Post" and post["fields"] == ["title:str", "body:text?"]
    assert (post["class_name"], post["module"], post["url"]) == ("Post", "posts", "posts")
    assert [column["name"] for column in post["columns"]] == ["title", "body"]
    # without secrets, a render gets placeholders that say so
    assert rec.values()["secret_key"] == "not-recorded"
    assert rec.values()["database_url"] == ""


def test_secrets_are_not_answers():
    data = tomllib.loads(
        RELEASE_2.replace('database = "mysql"', 'database = "mysql"\nsecret_key = "x"')
    )
    assert "secret_key" not in record.from_pyproject(data).answers


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('framework = "django"', 'framework = "rails"'), "framework = 'rails' is not one"),
        (('package = "blog"', 'package = "my-blog"'), "package = 'my-blog' is not a Python"),
        (
            ('template_version = "2"', "template_version = 2"),
            "template_version = 2 is not a string",
        ),
        (('database = "mysql"', 'database = "oracle"'), "database = 'oracle' is not one"),
        (('python_version = "3.13"', "python_version = 3.13"), "python_version = 3.13 is not a"),
        (
            ('[[tool.webkit.resources]]\nname = "Post"', '[[tool.webkit.resources]]\nnom = "Post"'),
            "must be tables with a name",
        ),
        (
            ("[tool.webkit.answers]", "[tool.webkit.features.payments]\n[tool.webkit.answers]"),
            "'payments' is not a feature this webkit knows",
        ),
    ],
)
def test_a_malformed_record_names_the_key(change, message):
    old, new = change
    assert old in RELEASE_2
    with pytest.raises(UsageError, match=message) as raised:
        record.from_pyproject(tomllib.loads(RELEASE_2.replace(old, new)), "blog/pyproject.toml")
    assert raised.value.message.startswith("blog/pyproject.toml")
    assert raised.value.hint
