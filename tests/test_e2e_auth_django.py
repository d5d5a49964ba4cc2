"""Django's accounts (--auth) end to end: a real `webkit new --auth` project passes its own
tests (90%+ coverage), ruff and mypy --strict; a live `webkit serve --prod` is driven by
Chromium through signup, logout, login, an item, a password change, a reset through the email
a real SMTP server on 127.0.0.1 received, and a lockout (429); an API token writes with plain
HTTP until it is revoked. Also with --jobs on PostgreSQL, and `webkit add auth` on a project
that exists (refused while it has users)."""

from __future__ import annotations

import email
import json
import re
import secrets
import subprocess
import time
import urllib.error
import urllib.request
from email import policy
from pathlib import Path

import pytest

from tests.conftest import webkit
from tests.test_e2e_serve import ARTIFACTS, CHROMIUM_FLAGS, Server, need_tool, processes_in

pytestmark = pytest.mark.e2e

EMAIL = "grace@example.com"
PASSWORDS = ["first passphrase 11", "second passphrase 22", "third passphrase 33"]
POSTGRES = "postgres://postgres@127.0.0.1:5432"


def made(where: Path, name: str, *options: str) -> Path:
    result = webkit("new", name, "-f", "django", *options, "-y", cwd=where, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    return where / name


def run(root: Path, *argv: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(root / ".venv" / "bin" / argv[0]), *argv[1:]],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def own_checks(root: Path) -> None:
    """The project's CI: its tests (with their 90% coverage gate), ruff, mypy --strict."""
    tests = run(root, "python", "-m", "pytest", "-q", "-p", "no:cacheprovider")
    assert tests.returncode == 0, tests.stdout[-4000:] + tests.stderr[-2000:]
    assert "Required test coverage of 90% reached" in tests.stdout
    for argv in (("ruff", "check", "."), ("ruff", "format", "--check", "."), ("mypy",)):
        done = run(root, *argv)
        assert done.returncode == 0, (argv, done.stdout[-3000:], done.stderr[-2000:])


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return made(tmp_path_factory.mktemp("auth"), "shop", "--auth")


def test_the_project_passes_its_own_tests_ruff_and_mypy(project):
    own_checks(project)


# A real SMTP server, in this process.


class Inbox:
    """aiosmtpd's handler: every message received, parsed."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def wait_for(self, to: str, count: int, timeout: float = 30) -> email.message.EmailMessage:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            mine = [m for m in self.messages if to in m["To"]]
            if len(mine) >= count:
                return mine[count - 1]
            time.sleep(0.1)
        raise AssertionError(f"no message {count} to {to}: {[m['Subject'] for m in self.messages]}")


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller

    from webkit_cli.commands.serve import choose_port

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=choose_port("127.0.0.1", 0))
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


def api(url: str, method: str = "GET", body: dict | None = None, token: str | None = None):
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def test_accounts_in_chromium_against_the_production_server(project, smtp):
    chromium = need_tool("chromium", "/usr/bin/chromium")
    from playwright.sync_api import expect, sync_playwright

    inbox, port = smtp
    server = Server(
        project,
        "--prod",
        env={"EMAIL_URL": f"smtp://127.0.0.1:{port}", "DEFAULT_FROM_EMAIL": "shop@example.com"},
    )
    errors: list[str] = []
    try:
        server.wait_ready()
        url = server.url
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
            try:
                page = browser.new_page()
                page.on("pageerror", lambda e: errors.append(str(e)))

                def submit(form: str, fields: dict[str, str]) -> int:
                    for selector, value in fields.items():
                        page.fill(selector, value)
                    with page.expect_response(
                        lambda r: r.request.method == "POST", timeout=15_000
                    ) as answer:
                        page.locator(f"{form} [type=submit]").click()
                    page.wait_for_load_state()
                    return answer.value.status

                def log_in(password: str) -> int:
                    page.goto(f"{url}/accounts/login/")
                    return submit("#login-form", {"#id_username": EMAIL, "#id_password": password})

                def log_out() -> None:
                    page.locator(".site-account__logout [type=submit]").click()
                    expect(page.locator(".site-account")).to_contain_text("Log in")

                # Sign up: logged in at once, welcomed by email.
                page.goto(f"{url}/accounts/signup/")
                submit("#signup-form", {"#id_email": EMAIL, "#id_password": PASSWORDS[0]})
                expect(page.locator(".site-account")).to_contain_text(EMAIL)
                assert inbox.wait_for(EMAIL, 1)["Subject"] == "Welcome"
                log_out()

                # Log in, and add an item through the page (its script, the session + CSRF).
                assert log_in(PASSWORDS[0]) == 302
                expect(page.locator(".site-account")).to_contain_text(EMAIL)
                page.goto(f"{url}/", wait_until="networkidle")
                page.fill("#item-name", "Kettle from Chromium")
                page.locator("#item-form [type=submit]").click()
                expect(
                    page.locator("#item-list li", has_text="Kettle from Chromium")
                ).to_be_visible()

                # Change the password.
                page.goto(f"{url}/accounts/password-change/")
                submit(
                    "#password-change-form",
                    {
                        "#id_old_password": PASSWORDS[0],
                        "#id_new_password1": PASSWORDS[1],
                        "#id_new_password2": PASSWORDS[1],
                    },
                )
                expect(page.locator(".messages")).to_contain_text("Your password is changed.")

                # An API token: made on the account page, shown once; works until revoked.
                page.goto(f"{url}/accounts/")
                submit("#token-form", {"#id_name": "curl"})
                token = page.locator("#new-token").inner_text()
                status, created = api(f"{url}/api/items/", "POST", {"name": "By token"}, token)
                assert status == 201, created
                assert api(f"{url}/api/items/", "POST", {"name": "Anonymous"})[0] == 401
                page.goto(f"{url}/accounts/")
                page.locator("#token-list [type=submit]").click()
                expect(page.locator(".messages")).to_contain_text("revoked")
                status, body = api(f"{url}/api/items/", "POST", {"name": "Too late"}, token)
                assert status == 401, body
                log_out()

                # Forgot it: reset through the emailed link, then log in with the new one.
                page.goto(f"{url}/accounts/password-reset/")
                submit("#password-reset-form", {"#id_email": EMAIL})
                reset = inbox.wait_for(EMAIL, 2)
                text = reset.get_body(("plain",)).get_content()
                link = re.search(r"http://\S+/accounts/reset/\S+/", text)
                assert link, text
                page.goto(link.group(0))
                submit(
                    "#password-reset-confirm-form",
                    {"#id_new_password1": PASSWORDS[2], "#id_new_password2": PASSWORDS[2]},
                )
                assert log_in(PASSWORDS[1]) == 200  # the old one no longer works
                assert log_in(PASSWORDS[2]) == 302
                expect(page.locator(".site-account")).to_contain_text(EMAIL)
                ARTIFACTS.mkdir(exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / "django-auth.png"), full_page=True)
                log_out()

                # Guessing: the fifth failure (the old password above was the first) locks the
                # account: 429, for the right password too.
                statuses = [log_in("wrong guess") for _ in range(4)]
                assert statuses == [200, 200, 200, 429]
                assert "Too many attempts" in page.content()
                assert log_in(PASSWORDS[2]) == 429
            finally:
                browser.close()
        names = [item["name"] for item in api(f"{url}/api/items/")[1]["items"]]
        assert names == ["Kettle from Chromium", "By token"]
    finally:
        code = server.stop()
    assert errors == []
    assert code in (0, 143), server.output()
    time.sleep(0.3)
    assert processes_in(project) == [], server.output()


# With the jobs, on PostgreSQL: the migrations and the project's own tests.


def test_with_jobs_on_postgresql(tmp_path_factory):
    name = f"wk_{secrets.token_hex(3)}_auth"
    where = tmp_path_factory.mktemp("auth-pg")
    try:
        root = made(where, "pgshop", "--auth", "--jobs", "--database-url", f"{POSTGRES}/{name}")
    except AssertionError as error:
        if "connection" in str(error).lower():
            pytest.skip(f"no PostgreSQL server at {POSTGRES}")
        raise
    try:
        check = run(root, "python", "manage.py", "migrate", "--check")
        assert check.returncode == 0, check.stdout + check.stderr
        own_checks(root)
    finally:
        drop = (
            "import psycopg\n"
            f"with psycopg.connect('{POSTGRES}/postgres', autocommit=True) as c:\n"
            f"    for n in ('{name}', 'test_{name}'):\n"
            "        c.execute(f'DROP DATABASE IF EXISTS {n} WITH (FORCE)')\n"
        )
        run(root, "python", "-c", drop)


# `webkit add auth` on a project that exists.


def manage(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run(root, "python", "manage.py", *args)


def test_add_auth_refuses_while_users_exist_then_merges_once_they_are_gone(tmp_path_factory):
    root = made(tmp_path_factory.mktemp("auth-add"), "oldshop")
    made_user = manage(
        root,
        "shell",
        "-c",
        "from django.contrib.auth.models import User; User.objects.create_user('tester')",
    )
    assert made_user.returncode == 0, made_user.stderr
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True)

    refused = webkit("add", "auth", "--commit", cwd=root)

    assert refused.returncode == 2, refused.stdout + refused.stderr
    said = refused.stdout + refused.stderr
    assert "1 user(s)" in said and "nothing was changed" in said
    status = subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True)
    assert status.stdout == b""
    again = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True)
    assert again.stdout == head.stdout
    assert manage(root, "migrate", "--check").returncode == 0  # the database as it was

    gone = manage(
        root,
        "shell",
        "-c",
        "from django.contrib.auth.models import User; User.objects.all().delete()",
    )
    assert gone.returncode == 0, gone.stderr
    added = webkit("add", "auth", "--commit", cwd=root, timeout=900)

    assert added.returncode == 0, added.stdout + added.stderr
    assert "Un-applied the migrations of admin" in added.stdout
    assert "Committed auth" in added.stdout
    assert manage(root, "migrate", "--check").returncode == 0
    made_admin = manage(
        root,
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model as m; "
        "m().objects.create_superuser('Root@Example.com', 'a long passphrase'); "
        "print(m()._meta.label, m().objects.get().email)",
    )
    assert made_admin.stdout.strip().endswith("accounts.User root@example.com"), made_admin.stderr
    own_checks(root)
