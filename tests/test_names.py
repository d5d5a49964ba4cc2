import pytest

from webkit_cli import names
from webkit_cli.errors import UsageError


@pytest.mark.parametrize(
    ("name", "distribution", "package"),
    [
        ("shop", "shop", "shop"),
        ("my-shop", "my-shop", "my_shop"),
        ("My_Shop", "my-shop", "my_shop"),
        ("blog2", "blog2", "blog2"),
        ("a", "a", "a"),
        ("x" * 64, "x" * 64, "x" * 64),
    ],
)
def test_accepted_names(name, distribution, package):
    result = names.validate(name)
    assert (result.directory, result.distribution, result.package) == (name, distribution, package)
    assert result.package.isidentifier()


@pytest.mark.parametrize(
    ("name", "reason", "hint"),
    [
        ("", "empty", "letters"),
        ("   ", "empty", "letters"),
        ("my shop", "whitespace", "letters"),
        ("a/b", "is a path", "--output-dir"),
        ("/abs", "is a path", "--output-dir"),
        ("..", "is a path", "--output-dir"),
        ("a\\b", "is a path", "--output-dir"),
        ("2shop", "starts with a digit", "my-2shop"),
        ("-shop", "starts with '-'", "my-shop"),
        ("_shop", "starts with '_'", "my-shop"),
        ("shop-", "ends with '-'", "'shop'"),
        ("class", "keyword", "my-class"),
        ("import", "keyword", "my-import"),
        ("json", "standard-library", "my-json"),
        ("asyncio", "standard-library", "my-asyncio"),
        ("flask", "package the project uses", "my-flask"),
        ("Django", "package the project uses", "my-django"),
        ("gunicorn", "package the project uses", "my-gunicorn"),
        ("sqlalchemy", "package the project uses", "my-sqlalchemy"),
        ("config", "package the project uses", "my-config"),
        ("café", "non-ASCII", "letters"),
        ("x" * 65, "65 characters", "shorter"),
        ("{{7*7}}", "contains", "letters"),
        ("shop.io", "contains '.': only letters, digits, '-' and '_' are allowed", "letters"),
        ("a'b", 'contains "\'"', "letters"),
        ("tab\there", "whitespace", "letters"),
        ("nul\x00x", "contains", "letters"),
    ],
)
def test_refused_names_say_why_and_what_to_do(name, reason, hint):
    with pytest.raises(UsageError) as excinfo:
        names.validate(name)
    error = excinfo.value
    assert error.exit_code == 2
    assert reason in error.message
    assert hint in (error.hint or "")
    assert "\n" not in error.message


def test_suggestions_are_themselves_valid():
    for bad in ["json", "flask", "class", "2shop", "-shop"]:
        with pytest.raises(UsageError) as excinfo:
            names.validate(bad)
        suggestion = excinfo.value.hint.split("'")[1]
        assert names.validate(suggestion).package.isidentifier()


def test_a_refused_name_is_shown_as_typed():
    with pytest.raises(UsageError) as refused:
        names.validate("für-shop")
    assert "'für-shop'" in refused.value.message
    with pytest.raises(UsageError) as refused:
        names.validate("a\x1bb")
    assert "'a\\x1bb'" in refused.value.message  # what a terminal would act on stays escaped
