"""9. Background jobs: latency and throughput of the example task, one worker, against Celery."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

from benchmarks.context import NAME, Context, require
from benchmarks.harness import BenchmarkError, Job, format_seconds, summarize
from benchmarks.report import Section, Table

TITLE = "Background jobs: latency and throughput against Celery on Redis"
LATENCY_TASKS = 30  # one at a time: each enqueued once the one before is done
BURST_TASKS = 200  # enqueued together, in one transaction
# Redis databases of their own on the machine's Redis, for Huey's queue and Celery's.
HUEY_REDIS = "redis://127.0.0.1:6379/14"
CELERY_REDIS = "redis://127.0.0.1:6379/15"
CELERY = "celery[redis]>=5.5,<6"


def _intro() -> str:
    return (
        "One fresh project per framework and backend (`webkit new --jobs database`, on its "
        "SQLite database, and `--jobs redis`, on this machine's Redis), with one worker: the "
        "project's own (`flask --app NAME worker`, `manage.py run_huey`: Huey, one thread). "
        "Measured by a driver in the project's .venv that uses the project's models: **latency**, "
        f"enqueue to done: {LATENCY_TASKS} items created one after another, each committed (which "
        "enqueues its word count) and then polled every 2 ms until its word_count is stored, "
        f"the next one only then; **throughput**: {BURST_TASKS} items created in one "
        "transaction (so enqueued together once it commits), and the time until all are "
        "counted. The anchor: **Celery on Redis configured by hand**, in the Redis project: "
        f"`{CELERY}` installed into its .venv, a `celery_bench.py` module with a Celery app "
        "(Redis broker, results ignored, prefetch 1) and a task that calls the project's own "
        "count_words function, run by `celery worker --pool solo --concurrency 1`, the driver "
        "calling `.delay()` after each commit (the project's own enqueue turned off for it). The "
        "worker starts before the measure and is warmed up by a few unrecorded tasks."
    )


INTRO = _intro()

# The driver: create items, enqueue through the project's hooks (or Celery's delay), wait.
DRIVER = r"""
import json, os, sys, time
framework, mode, latency_n, burst_n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
if framework == "flask":
    from dotenv import load_dotenv
    load_dotenv(".env")
    from NAME import create_app, jobs
    from NAME.extensions import db
    from NAME.models import Item
    from sqlalchemy import func, select
    app = create_app()
    app.app_context().push()
    def create(names):
        items = [Item(name=n, description="one two three four five") for n in names]
        db.session.add_all(items)
        db.session.commit()
        return [item.id for item in items]
    def counted(ids):
        db.session.rollback()
        query = select(func.count()).where(Item.id.in_(ids), Item.word_count.is_not(None))
        return db.session.scalar(query)
    huey = jobs.huey
else:
    import django
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from huey.contrib.djhuey import HUEY as huey
    from NAME.models import Item
    from django.db import transaction
    def create(names):
        with transaction.atomic():
            return [Item.objects.create(name=n, description="one two three four five").pk
                    for n in names]
    def counted(ids):
        return Item.objects.filter(pk__in=ids, word_count__isnull=False).count()
if mode == "celery":
    import celery_bench
    huey.enqueue = lambda task: None  # the project's own enqueue is off: Celery's instead
    create_items = create
    def create(names):
        ids = create_items(names)
        for item_id in ids:
            celery_bench.count_words.delay(item_id)
        return ids
run = f"{mode}-{time.time_ns()}"
def wait(ids, timeout=120):
    deadline = time.monotonic() + timeout
    while counted(ids) < len(ids):
        if time.monotonic() > deadline:
            sys.exit(f"{len(ids) - counted(ids)} tasks not done after {timeout} s")
        time.sleep(0.002)
for i in range(5):  # warm-up, unrecorded
    wait(create([f"{run}-warm-{i}"]))
latencies = []
for i in range(latency_n):
    started = time.perf_counter()
    wait(create([f"{run}-{i}"]))
    latencies.append(time.perf_counter() - started)
started = time.perf_counter()
wait(create([f"{run}-burst-{i}" for i in range(burst_n)]))
burst = time.perf_counter() - started
print(json.dumps({"latencies": latencies, "burst": burst}))
"""

CELERY_APP = r'''
"""Celery on Redis, configured by hand: the benchmark's anchor (benchmarks/sections/jobs.py).
Its task runs the project's own function, so that only the queue differs."""
import os
from celery import Celery

app = Celery("celery_bench", broker=os.environ["CELERY_BROKER"])
app.conf.update(task_ignore_result=True, worker_prefetch_multiplier=1,
                broker_connection_retry_on_startup=True, worker_hijack_root_logger=False)

if os.environ.get("CELERY_FRAMEWORK") == "flask":
    from dotenv import load_dotenv
    load_dotenv(".env")
    from NAME import create_app
    create_app()  # the tasks run in its context
else:
    import django
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
from NAME import tasks


@app.task
def count_words(item_id):
    tasks.count_words.call_local(item_id)
'''


def run(ctx: Context, section: Section) -> None:
    rows: list[list[str]] = []
    for fw in ctx.options.frameworks:
        for backend in ("database", "redis"):
            project = _project(ctx, fw, backend)
            worker = [".venv/bin/python", *_worker_argv(fw)]
            result = _measure(ctx, project, fw, "huey", worker)
            rows.append(_row(section, fw, f"webkit: Huey, queue in {_where(backend)}", result))
            section.metrics[f"jobs.{fw}.{backend}.latency"] = result["latency"]
            if backend == "redis":
                _install_celery(ctx, project, fw)
                celery = [
                    ".venv/bin/celery", "-A", "celery_bench", "worker", "--pool", "solo",
                    "--concurrency", "1", "--loglevel", "WARNING", "--without-gossip",
                    "--without-mingle", "--without-heartbeat",
                ]  # fmt: skip
                anchor = _measure(ctx, project, fw, "celery", celery)
                rows.append(_row(section, fw, "anchor: Celery on Redis, by hand", anchor))
                section.metrics[f"jobs.{fw}.celery.latency"] = anchor["latency"]
            ctx.discard(project.parent)
    section.tables.append(
        Table(
            ["Framework", "Queue", "Latency: median (range)", f"Throughput ({BURST_TASKS} tasks)"],
            rows,
        )
    )


def _where(backend: str) -> str:
    return "the project's SQLite database" if backend == "database" else "Redis"


def _worker_argv(fw: str) -> list[str]:
    from webkit_cli import frameworks

    framework = frameworks.get(fw)
    return framework.argv(framework.worker, package=NAME)


def _project(ctx: Context, fw: str, backend: str) -> Path:
    out = ctx.scratch(f"{fw}-jobs-{backend}")
    step = ctx.webkit_new_step(fw, out, ctx.warm, "--jobs", backend)
    require(Job.run([step], ctx.workspace, f"{fw}-jobs-{backend}", 600), f"webkit new ({fw})")
    return out / NAME


def _install_celery(ctx: Context, project: Path, fw: str) -> None:
    (project / "celery_bench.py").write_text(CELERY_APP.replace("NAME", NAME))
    uv = ctx.tools.python.parent / "uv"
    argv = [str(uv), "pip", "install", "--python", str(project / ".venv/bin/python"), CELERY]
    done = subprocess.run(argv, capture_output=True, text=True, env=ctx.env())
    if done.returncode != 0:
        raise BenchmarkError(f"installing {CELERY} failed: {done.stderr[-500:]}")


def _env(ctx: Context, fw: str) -> dict[str, str]:
    return {
        **ctx.env(),
        "REDIS_URL": HUEY_REDIS,
        "CELERY_BROKER": CELERY_REDIS,
        "CELERY_FRAMEWORK": fw,
        "APP_ENV": "development",
        "PYTHONUNBUFFERED": "1",
    }


def _measure(ctx: Context, project: Path, fw: str, mode: str, worker: list[str]) -> dict:
    log = (ctx.workspace / f"worker-{fw}-{mode}-{time.time_ns()}.log").open("w")
    process = subprocess.Popen(
        worker,
        cwd=project,
        env=_env(ctx, fw),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        time.sleep(3)  # started; the driver's warm-up tasks wait for it anyway
        if process.poll() is not None:
            raise BenchmarkError(f"the {mode} worker stopped: see {log.name}")
        driver = [
            project / ".venv/bin/python", "-c", DRIVER.replace("NAME", NAME), fw, mode,
            str(LATENCY_TASKS), str(BURST_TASKS),
        ]  # fmt: skip
        done = subprocess.run(
            driver, cwd=project, env=_env(ctx, fw), capture_output=True, text=True, timeout=600
        )
        if done.returncode != 0:
            raise BenchmarkError(f"the {mode} driver failed ({fw}): {done.stderr[-800:]}")
        data = json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()
    latency = summarize(data["latencies"])
    return {"latency": latency.median, "summary": latency, "burst": data["burst"]}


def _row(section: Section, fw: str, label: str, result: dict) -> list[str]:
    summary = result["summary"]
    low, high = format_seconds(summary.low), format_seconds(summary.high)
    latency = f"{format_seconds(summary.median)} ({low}-{high}, n={summary.n})"
    rate = BURST_TASKS / result["burst"]
    return [fw, label, latency, f"{rate:.0f} tasks/s ({format_seconds(result['burst'])})"]
