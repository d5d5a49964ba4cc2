"""`webkit add auth` on a Django project that exists: the switch to a custom user model.

Django cannot change AUTH_USER_MODEL once migrations that point at the user model ran: the
admin's first migration (its log has a foreign key to the user) would then point at auth.User
while the model is accounts.User, and `migrate` refuses the history as inconsistent. So, before
the merge and with the project's code as it is (auth.User):

- a database that has users is left alone, and `add auth` refused: moving users to another
  model is a data migration for the project to write (Django's docs say how);
- else the migrations that depend on the user model (the admin's, and any app's that refer to
  it) are un-applied (`migrate <app> zero`: tables that are empty, since there are no users),
  and `migrate` after the merge applies them again, on accounts.User.
"""

from __future__ import annotations

import json

from webkit_cli import runner
from webkit_cli.errors import StepFailed, UsageError
from webkit_cli.project import Project

# Run with the project's Python, its settings as they are: the number of users, and the apps
# with applied migrations that depend on the user model (swappable_dependency(AUTH_USER_MODEL),
# whose `setting` is the setting's value, "auth.User").
INSPECT = """
import json, django
django.setup()
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.migrations.loader import MigrationLoader
loader = MigrationLoader(connection)
User = get_user_model()
users = User._default_manager.count() if User._meta.db_table in connection.introspection.table_names() else 0
apps = sorted({
    app for (app, name), migration in loader.disk_migrations.items()
    if (app, name) in loader.applied_migrations
    and any(getattr(dependency, "setting", None) == settings.AUTH_USER_MODEL for dependency in migration.dependencies)
})
print("WEBKIT:" + json.dumps({"model": settings.AUTH_USER_MODEL, "users": users, "apps": apps}))
"""
MARKER = "WEBKIT:"


def before_add(project: Project) -> list[str]:
    """Make the project's database ready for accounts.User, or refuse (UsageError, nothing
    changed); returns the apps whose migrations were un-applied."""
    state = inspect(project)
    if state["model"] != "auth.User":
        return []  # a user model of its own already: nothing to undo
    if state["users"]:
        raise UsageError(
            f"the project's database has {state['users']} user(s) of Django's auth.User, and "
            "accounts need a user model of their own (accounts.User) that Django cannot switch "
            "to once users exist; nothing was changed",
            "move the users yourself (a data migration, see Django's docs on changing "
            "AUTH_USER_MODEL mid-project), or delete them if they are test users "
            '(`.venv/bin/python manage.py shell -c "from django.contrib.auth.models import '
            'User; User.objects.all().delete()"`), then run `webkit add auth` again',
        )
    for app in state["apps"]:
        result = _manage(project, "migrate", app, "zero", "--noinput")
        if not result.ok:
            raise StepFailed(
                f"un-applying the migrations of {app} failed: {result.tail()}",
                f"fix the cause (`.venv/bin/python manage.py migrate {app} zero` shows it), "
                "then run `webkit add auth` again",
            )
    return list(state["apps"])


def inspect(project: Project) -> dict:
    result = runner.run(
        [str(project.python), "-c", INSPECT],
        cwd=project.root,
        env=runner.child_env({"DJANGO_SETTINGS_MODULE": "config.settings"}, venv=project.venv),
        timeout=120,
    )
    for line in reversed(result.output.splitlines()):
        if result.ok and line.startswith(MARKER):
            return json.loads(line[len(MARKER) :])
    raise StepFailed(
        f"could not look at the project's users before adding accounts: {result.tail()}",
        "fix the cause (`.venv/bin/python manage.py migrate` shows it), then run "
        "`webkit add auth` again; nothing was changed",
    )


def _manage(project: Project, *args: str) -> runner.Result:
    return runner.run(
        [str(project.python), "manage.py", *args],
        cwd=project.root,
        env=runner.child_env(venv=project.venv),
        timeout=300,
    )
