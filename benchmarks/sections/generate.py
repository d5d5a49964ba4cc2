"""10. `webkit generate resource`, migration included, against the framework's own tools."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from benchmarks.context import NAME, Context, require
from benchmarks.harness import (
    Job,
    Sample,
    Step,
    format_mb,
    format_time_summary,
    interleave,
    summarize,
)
from benchmarks.report import Section, Table

TITLE = "`webkit generate resource`, migration included"
FIELDS = ["title:str", "body:text?", "views:int", "published:bool", "price:decimal"]
FIELDS += ["published_on:date"]
INTRO = (
    "A fresh `webkit new` project (warm caches; not timed), then, in turn, `webkit generate "
    f"resource Post {' '.join(FIELDS)}` (the model, the API, the pages, the admin, the tests, "
    "the migration made by the framework's tool and applied), and the same model written "
    "with the framework's own tools: Django `manage.py startapp posts`, the model and "
    "INSTALLED_APPS written (a `python -c` step), `makemigrations posts`, `migrate`; Flask has "
    "no app generator, so the model is appended to models.py the same way, then `flask db "
    "migrate` and `flask db upgrade`. The framework's side writes a model only: no API, "
    "pages or tests. After each run the project is put back (git checkout and clean, the "
    "SQLite database copied back; not timed). One unrecorded warm-up round first."
)
WEBKIT, FRAMEWORK = "`webkit generate resource`", "the framework's own tools"
DATABASE = {"flask": f"instance/{NAME}.db", "django": "db.sqlite3"}
DJANGO_MODEL = """from django.db import models


class Post(models.Model):
    title = models.CharField(max_length=255)
    body = models.TextField(blank=True)
    views = models.IntegerField()
    published = models.BooleanField(default=False)
    price = models.DecimalField(max_digits=12, decimal_places=2)
    published_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
"""
FLASK_MODEL = """

import datetime as _datetime  # noqa: E402
import decimal as _decimal  # noqa: E402

from sqlalchemy import Numeric  # noqa: E402


class Post(Model):
    __tablename__ = "post"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(255))
    body: Mapped[str | None] = mapped_column(Text)
    views: Mapped[int]
    published: Mapped[bool]
    price: Mapped[_decimal.Decimal] = mapped_column(Numeric(12, 2))
    published_on: Mapped[_datetime.date]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
"""


def by_hand(framework: str, python: Path) -> list[Step]:
    """The framework's own steps for the same model."""
    if framework == "django":
        write = (
            "import pathlib; pathlib.Path('posts/models.py').write_text(MODEL); "
            "s = pathlib.Path('config/settings.py'); "
            f"s.write_text(s.read_text().replace('    \"{NAME}\",\\n]', "
            f'\'    "{NAME}",\\n    "posts",\\n]\'))'
        )
        return [
            Step("startapp", [python, "manage.py", "startapp", "posts"]),
            Step("write", [python, "-c", f"MODEL = {DJANGO_MODEL!r}\n{write}"]),
            Step("makemigrations", [python, "manage.py", "makemigrations", "posts"]),
            Step("migrate", [python, "manage.py", "migrate"]),
        ]
    append = f"open('{NAME}/models.py', 'a').write({FLASK_MODEL!r})"
    flask = [python, "-m", "flask", "--app", NAME, "db"]
    return [
        Step("write", [python, "-c", append]),
        Step("migrate", [*flask, "migrate", "--rev-id", "0002", "-m", "create post table"]),
        Step("upgrade", [*flask, "upgrade"]),
    ]


def reset(project: Path, database: Path, saved: Path) -> None:
    """The project as `webkit new` left it: files, and the database."""
    for args in (["checkout", "-q", "--", "."], ["clean", "-qfd"]):
        subprocess.run(["git", *args], cwd=project, check=True)
    for suffix in ("-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(saved, database)


def _case(ctx: Context, fw: str, label: str, steps: list[Step], project: Path, saved: Path):
    """One round of `steps` in `project`, put back as `webkit new` left it first."""

    def measure(_round: int) -> Sample:
        reset(project, project / DATABASE[fw], saved)
        placed = [Step(s.name, s.argv, cwd=project, env=ctx.env(), timeout=120) for s in steps]
        sample = Job.run(placed, ctx.workspace, f"generate {fw} {label}", 300)
        return require(sample, f"{label} ({fw})")

    return measure


def run(ctx: Context, section: Section) -> None:
    rows: list[list[str]] = []
    for fw in ctx.options.frameworks:
        project, _ = ctx.fresh_project(fw, "generate")
        python = project / ".venv" / "bin" / "python"
        database = project / DATABASE[fw]
        saved = project.parent / "database.saved"
        shutil.copyfile(database, saved)
        argvs = {
            WEBKIT: [Step("generate", [ctx.tools.webkit, "generate", "resource", "Post", *FIELDS])],
            FRAMEWORK: by_hand(fw, python),
        }

        cases = {
            label: _case(ctx, fw, label, steps, project, saved) for label, steps in argvs.items()
        }
        interleave(cases, 1)  # warm-up
        tag = f"generate {fw}"
        results = interleave(cases, section.rounds, lambda m, tag=tag: ctx.say(f"{tag}: {m}"))
        reset(project, database, saved)
        medians = {}
        for label, samples in results.items():
            times = summarize(s.wall for s in samples)
            medians[label] = times.median
            memory = summarize(s.maxrss_kb for s in samples).median
            rows.append([fw, label, format_time_summary(times), format_mb(memory)])
        webkit, framework = medians[WEBKIT], medians[FRAMEWORK]
        section.metrics[f"generate.{fw}.webkit"] = webkit
        section.metrics[f"generate.{fw}.framework"] = framework
        rows.append([fw, "ratio webkit / the framework's tools", f"{webkit / framework:.2f}x", ""])
        ctx.discard(project.parent)
    section.tables.append(
        Table(["Framework", "Command", "Wall time: median (range)", "Peak RSS"], rows)
    )
