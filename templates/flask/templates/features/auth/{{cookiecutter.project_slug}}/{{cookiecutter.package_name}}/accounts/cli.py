"""`flask create-user [--admin] EMAIL`: make an account from the command line (an admin's,
the first time), asking for its password twice without showing it."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..extensions import db
from . import forms, passwords
from .models import User


@click.command("create-user")
@click.argument("email")
@click.option("--admin", is_flag=True, help="Make the account an administrator's.")
@click.password_option(help="Asked for (twice, hidden) when not given.")
@with_appcontext
def create_user(email: str, admin: bool, password: str) -> None:
    """Create an account that logs in with EMAIL."""
    if not forms.valid_email(email):
        raise click.BadParameter(f"{email!r} is not an email address.", param_hint="EMAIL")
    if User.by_email(email) is not None:
        raise click.ClickException(f"There is an account for {email} already.")
    weak = passwords.problems(password, email)
    if weak:
        raise click.ClickException(" ".join(weak))
    user = User(email=email, password=password, is_admin=admin, email_verified=True)
    db.session.add(user)
    db.session.commit()
    kind = "administrator" if admin else "user"
    click.echo(f"Created the {kind} {user.email}.")
