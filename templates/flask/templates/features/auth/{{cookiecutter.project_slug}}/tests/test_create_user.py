"""`flask create-user`: an account (an administrator's with --admin) from the command line."""

from __future__ import annotations

from sqlalchemy import select

from {{ cookiecutter.package_name }}.accounts.models import User

from .conftest import PASSWORD


def test_create_an_administrator(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["create-user", "--admin", "Root@Example.com"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    assert "Created the administrator root@example.com." in result.output
    user = db.session.scalar(select(User))
    assert user.is_admin
    assert user.email == "root@example.com"
    assert user.check_password(PASSWORD)
    assert PASSWORD not in result.output  # asked for without showing it


def test_create_a_user_with_the_password_given(app, db):
    result = app.test_cli_runner().invoke(
        args=["create-user", "ada@example.com", "--password", PASSWORD]
    )
    assert result.exit_code == 0, result.output
    assert not db.session.scalar(select(User)).is_admin


def test_refusals(app, user):
    runner = app.test_cli_runner()
    taken = runner.invoke(args=["create-user", user.email, "--password", PASSWORD])
    assert taken.exit_code == 1
    assert "There is an account for" in taken.output
    weak = runner.invoke(args=["create-user", "new@example.com", "--password", "short"])
    assert weak.exit_code == 1
    assert "at least 10 characters" in weak.output
    invalid = runner.invoke(args=["create-user", "nobody", "--password", PASSWORD])
    assert invalid.exit_code == 2
    assert "is not an email address" in invalid.output
