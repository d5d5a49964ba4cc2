"""End to end: accounts (`webkit new --auth`) in a real Flask project.

The project's own suite passes (at 90% coverage and more), ruff and mypy --strict are clean,
and a live `webkit serve --prod`, driven by Chromium, does what a user does: sign up, log out,
log in, create an item, change the password, reset it through the email that a real SMTP
server on 127.0.0.1 (aiosmtpd, in this process) receives, and log in with the new one; wrong
passwords end in 429; an API token creates an item with plain HTTP requests and stops working
once revoked. Also with background jobs, on PostgreSQL, and for `webkit add auth` on a project
that has its own migrations already.
"""

from __future__ import annotations

import email
import email.policy
import json
import re
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import need_tool, webkit
from tests.test_e2e_serve import CHROMIUM_FLAGS, Server, fetch, processes_in
from webkit_cli.commands.serve import choose_port

pytestmark = pytest.mark.e2e

PASSWORD = "first long passphrase"
CHANGED = "second long passphrase"
RESET = "third long passphrase"
CASES = {
    "sqlite": [],
    "jobs": ["--jobs", "database"],
    "postgres": ["--db", "postgres"],
}


# The projects made so far in this process, by case: each is made once for all its tests.
_MADE: dict[str, Path] = {}


def made(case: str, tmp_path_factory) -> Path:
    if case not in _MADE:
        if case == "postgres":
            need_tool("psql")
        where = tmp_path_factory.mktemp(f"auth-flask-{case}")
        result = webkit("new", "shop", "-f", "flask", "--auth", *CASES[case], "-y", cwd=where)
        assert result.returncode == 0, result.stdout + result.stderr
        _MADE[case] = where / "shop"
    return _MADE[case]


@pytest.fixture(scope="module", params=list(CASES))
def project(request, tmp_path_factory) -> Path:
    return made(request.param, tmp_path_factory)


@pytest.fixture(scope="module", params=["sqlite", "jobs"])
def served(request, tmp_path_factory) -> Path:
    """The projects the browser uses (PostgreSQL's runs its own suite and migrations)."""
    return made(request.param, tmp_path_factory)


def run(project: Path, *argv: str, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(project / ".venv/bin/python"), *argv],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def assert_checks_pass(project: Path) -> None:
    """The project's own suite (90% coverage at least: its pytest settings), ruff, mypy."""
    for argv in (
        ["-m", "pytest", "-q", "-p", "no:cacheprovider"],
        ["-m", "ruff", "check", "."],
        ["-m", "ruff", "format", "--check", "."],
        ["-m", "mypy"],
    ):
        done = run(project, *argv)
        assert done.returncode == 0, f"{argv}:\n{done.stdout[-4000:]}\n{done.stderr[-2000:]}"
        if "pytest" in argv:
            coverage = re.search(r"Total coverage: ([\d.]+)%", done.stdout)
            assert coverage and float(coverage.group(1)) >= 90, done.stdout[-2000:]


def test_the_projects_own_suite_and_checks_pass(project):
    assert_checks_pass(project)


class Inbox:
    """aiosmtpd's handler: the messages it receives, parsed."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 30) -> email.message.EmailMessage:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(self.messages) >= count, f"{len(self.messages)} messages arrived"
        return self.messages[count - 1]


@pytest.fixture
def smtp():
    try:
        from aiosmtpd.controller import Controller
    except ImportError:
        need_tool("aiosmtpd (python package)", "/nonexistent")
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=choose_port("127.0.0.1", 0))
    controller.start()
    try:
        yield controller, inbox
    finally:
        controller.stop()


def body_of(message: email.message.EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return part.get_content()


def api_post(url: str, body: dict, token: str) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def log_in(page, base: str, address: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email address").fill(address)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()


def test_a_user_in_chromium_against_the_production_server(served, smtp):
    project = served
    chromium = need_tool("chromium", "/usr/bin/chromium")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        need_tool("playwright (python package)", "/nonexistent")
    controller, inbox = smtp
    address = "ada@example.com"
    env = {
        "EMAIL_URL": f"smtp://127.0.0.1:{controller.port}",
        "DEFAULT_FROM_EMAIL": "shop@x.test",
        # RATELIMIT_STORAGE_URI=memory:// counts in each gunicorn worker: one worker, so that
        # the sixth attempt is the one refused (several workers count together in Redis).
        "WEB_CONCURRENCY": "1",
    }
    server = Server(project, "--prod", env=env)
    errors: list[str] = []
    try:
        server.wait_ready()
        base = server.url
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
            try:
                page = browser.new_page()
                page.on("pageerror", lambda e: errors.append(str(e)))
                who = page.locator(".account-nav__who")

                # Sign up: logged in at once.
                page.goto(f"{base}/")
                page.get_by_role("link", name="Sign up").click()
                page.get_by_label("Email address").fill(address)
                page.get_by_label("Password", exact=True).fill(PASSWORD)
                page.get_by_label("Password, again").fill(PASSWORD)
                page.get_by_role("button", name="Sign up").click()
                expect(who).to_have_text(address)
                assert "Welcome" in str(inbox.wait_for(1)["Subject"])

                # Log out (a POST, from the header), then log in again.
                page.get_by_role("button", name="Log out").click()
                expect(page.get_by_role("link", name="Log in")).to_be_visible()
                log_in(page, base, address, PASSWORD)
                expect(who).to_have_text(address)

                # Create an item: the page writes through the API with its session and CSRF.
                page.goto(f"{base}/")
                page.fill("#item-name", "Made in Chromium")
                page.locator("#item-form [type=submit]").click()
                expect(page.locator("#item-list li", has_text="Made in Chromium")).to_be_visible()
                page.reload()
                expect(page.locator("#item-list li", has_text="Made in Chromium")).to_be_visible()

                # Change the password.
                page.get_by_role("link", name="Change password").click()
                page.get_by_label("Current password").fill(PASSWORD)
                page.get_by_label("New password", exact=True).fill(CHANGED)
                page.get_by_label("New password, again").fill(CHANGED)
                page.get_by_role("button", name="Change the password").click()
                expect(page.locator(".messages")).to_contain_text("Your password is changed")
                page.get_by_role("button", name="Log out").click()

                # Forget it: the reset link comes by email, through the SMTP server.
                page.goto(f"{base}/accounts/login/")
                page.get_by_role("link", name="Forgot your password?").click()
                page.get_by_label("Email address").fill(address)
                page.get_by_role("button", name="Send the link").click()
                expect(page.locator(".messages")).to_contain_text("we sent it a link")
                message = inbox.wait_for(2)
                assert message["To"] == address
                assert message["From"] == "shop@x.test"
                link = re.search(r"http://\S+/accounts/password-reset/\S+/", body_of(message))
                assert link, body_of(message)
                page.goto(link.group(0))
                page.get_by_label("New password", exact=True).fill(RESET)
                page.get_by_label("New password, again").fill(RESET)
                page.get_by_role("button", name="Set the password").click()
                expect(page.locator(".messages")).to_contain_text("log in with it")
                page.goto(link.group(0))  # it worked once
                expect(page.get_by_role("heading")).to_have_text("This link no longer works")

                log_in(page, base, address, CHANGED)
                expect(page.get_by_role("alert")).to_contain_text("wrong")
                log_in(page, base, address, RESET)
                expect(who).to_have_text(address)

                # An API token: made on a page, shown once; works until it is revoked.
                page.get_by_role("link", name="API tokens").click()
                page.get_by_label("Name").fill("curl")
                page.get_by_role("button", name="Make a token").click()
                token = page.locator("#new-token").inner_text()
                status, created = api_post(f"{base}/api/items", {"name": "By token"}, token)
                assert status == 201, created
                page.goto(f"{base}/accounts/tokens/")
                assert token not in page.content()
                page.get_by_role("button", name="Revoke curl").click()
                expect(page.locator(".messages")).to_contain_text("is revoked")
                status, refused = api_post(f"{base}/api/items", {"name": "Too late"}, token)
                assert status == 401 and refused["error"] == "Unauthorized"

                # Wrong passwords, again and again: 429 after the fifth failure (the first was
                # the old password above), even with the right one.
                page.get_by_role("button", name="Log out").click()
                for _ in range(4):
                    log_in(page, base, address, "not the password")
                    expect(page.get_by_role("alert")).to_contain_text("wrong")
                with page.expect_response(lambda r: r.request.method == "POST") as info:
                    log_in(page, base, address, RESET)
                assert info.value.status == 429
                expect(page.get_by_role("heading")).to_have_text("Too many attempts")
            finally:
                browser.close()
        status, _, body = fetch(f"{base}/api/items")
        names = [item["name"] for item in json.loads(body)["items"]]
        assert names == ["Made in Chromium", "By token"]
    finally:
        code = server.stop()
    assert code in (0, 143), server.output()
    assert errors == []
    deadline = time.monotonic() + 20
    while processes_in(project) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_in(project) == []


def test_add_auth_to_a_project_with_migrations_of_its_own(tmp_path):
    """`webkit add auth` on a project that has no users and a migration of its own (a resource):
    the template's migration is merged with the project's, and everything passes."""
    result = webkit("new", "shop", "-f", "flask", "-y", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    project = tmp_path / "shop"
    result = webkit("generate", "resource", "Book", "title:str", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    subprocess.run(["git", "add", "-A"], cwd=project, check=True)
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@x.test", "commit", "-qm", "Book"],
        cwd=project,
        check=True,
    )
    result = webkit("add", "auth", "--commit", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "merged the template's with yours" in result.stdout
    heads = run(project, "-m", "flask", "--app", "shop", "db", "heads")
    assert heads.returncode == 0 and heads.stdout.count("(head)") == 1, heads.stdout
    status = subprocess.run(["git", "status", "--porcelain"], cwd=project, capture_output=True)
    assert status.stdout == b""
    assert_checks_pass(project)
    # The books' writes need a login too.
    assert "can_write = bp.auth_required(api_auth)" in (project / "shop/api/books.py").read_text()
