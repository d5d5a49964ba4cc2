"""The benchmark command: its measuring pieces, its budget checks, and a quick smoke run.

Timings are never asserted here (DESIGN: speed is measured by benchmarks/, not by timed
tests); the smoke run checks that `python -m benchmarks` still runs and writes its report.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks import budgets
from benchmarks.harness import Job, Step, interleave, summarize, tree_cpu_seconds
from benchmarks.net import parse_wrk
from benchmarks.sections.new import webkit_steps
from tests.conftest import REPO

WRK_OUTPUT = """\
Running 10s test @ http://127.0.0.1:8000/api/items
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    12.01ms    3.20ms  45.10ms   80.00%
    Req/Sec     1.30k   100.00     1.50k    70.00%
  Latency Distribution
     50%   11.50ms
     75%   13.00ms
     90%   16.00ms
     99%    1.20s
  26000 requests in 10.00s, 5.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:   2600.50
Transfer/sec:    512.00KB
"""


def test_parse_wrk_reads_throughput_percentiles_and_errors():
    result = parse_wrk(WRK_OUTPUT)
    assert result.rps == pytest.approx(2600.5)
    assert result.p50_ms == pytest.approx(11.5)
    assert result.p99_ms == pytest.approx(1200.0)
    assert result.requests == 26000
    assert (result.non_2xx, result.socket_errors, result.errors) == (4, 3, 7)


def test_parse_wrk_refuses_output_without_latency_distribution():
    without = "\n".join(line for line in WRK_OUTPUT.splitlines() if "%   " not in line)
    with pytest.raises(ValueError, match="--latency"):
        parse_wrk(without)


def test_webkit_step_times_are_read_from_its_output(tmp_path: Path):
    log = tmp_path / "output.log"
    log.write_text(
        "✓ Rendered shop/ (468 ms)\n"
        "✓ Created .venv with Python 3.11.7 (397 ms)\n"
        "✓ Installed the dependencies (19 packages with uv) (1.3 s)\n"
        "✓ Applied the initial migration and installed the dev tools (27 packages in all) (4.2 s)\n"
        "✓ Initialised git with a first commit (38 ms)\n"
        "✓ Created Flask project shop in 6.5 s\n",
        encoding="utf-8",
    )
    assert webkit_steps(log) == pytest.approx(
        {
            "render": 0.468,
            "venv": 0.397,
            "install": 1.3,
            "migrate + dev install": 4.2,
            "git": 0.038,
        }
    )
    log.write_text(  # uv's cache and the schema cache had it all: one install
        "✓ Installed the dependencies and the dev tools (63 packages with uv, the migrated "
        "database from webkit's cache) (512 ms)\n",
        encoding="utf-8",
    )
    assert webkit_steps(log) == pytest.approx({"install all at once": 0.512})


def test_a_kernel_that_pages_out_idle_page_cache_is_named_in_the_conditions(tmp_path: Path):
    from benchmarks.machine import page_cache_reclaim

    def write(relative: str, text: str) -> None:
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{text}\n")

    assert page_cache_reclaim(tmp_path) is None  # no DAMON at all
    context = "kdamonds/0/contexts/0"
    write("kdamonds/0/state", "on")
    write(f"{context}/monitoring_attrs/intervals/aggr_us", "5000000")
    write(f"{context}/schemes/0/action", "stat")
    write(f"{context}/schemes/0/access_pattern/age/min", "12")
    assert page_cache_reclaim(tmp_path) is None  # a scheme that only counts
    write(f"{context}/schemes/0/action", "pageout")
    line = page_cache_reclaim(tmp_path)
    assert line is not None and "not accessed for about 60 s" in line
    write("kdamonds/0/state", "off")
    assert page_cache_reclaim(tmp_path) is None


def test_the_disk_line_names_the_mount_that_holds_the_workspace(tmp_path: Path):
    from benchmarks.machine import disk_line, mount_options

    mounts = tmp_path / "mounts"
    mounts.write_text(
        "/dev/vda / ext4 rw,relatime,discard 0 0\n"
        "tmpfs /tmp/fast tmpfs rw,nosuid 0 0\n"
        "/dev/vdb /tmp/fast/my\\040disk xfs rw,noatime 0 0\n"
    )
    assert mount_options(Path("/work/x"), mounts) == ("ext4", ["rw", "relatime", "discard"])
    assert mount_options(Path("/tmp/fast/run"), mounts) == ("tmpfs", ["rw", "nosuid"])
    assert mount_options(Path("/tmp/fastest"), mounts)[0] == "ext4"  # a prefix, not a parent
    assert mount_options(Path("/tmp/fast/my disk/w"), mounts) == ("xfs", ["rw", "noatime"])
    assert "sync(2)" in disk_line(tmp_path)


def test_summary_is_median_and_range():
    summary = summarize([3.0, 1.0, 2.0, 10.0])
    assert (summary.n, summary.median, summary.low, summary.high) == (4, 2.5, 1.0, 10.0)


def test_interleave_alternates_the_cases():
    calls: list[tuple[str, int]] = []

    def case(name: str):
        def run(index: int) -> _FakeSample:
            calls.append((name, index))
            return _FakeSample()

        return run

    results = interleave({"A": case("A"), "B": case("B")}, 3)
    assert calls == [("A", 0), ("B", 0), ("A", 1), ("B", 1), ("A", 2), ("B", 2)]
    assert {name: len(samples) for name, samples in results.items()} == {"A": 3, "B": 3}


class _FakeSample:
    wall = 0.0


def _fast_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def test_job_measures_a_command_and_its_peak_memory(tmp_path: Path):
    code = "x = bytearray(64 * 1024 * 1024)"
    sample = Job.run(
        [Step("allocate", [sys.executable, "-c", code], env=_fast_env())], tmp_path, "alloc", 60
    )
    assert sample.ok
    assert sample.wall > 0
    assert sample.maxrss_kb > 64 * 1024
    assert set(sample.steps) == {"allocate"}


def test_job_tells_cpu_time_from_waiting(tmp_path: Path):
    busy = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass"
    spin = Job.run([Step("spin", [sys.executable, "-c", busy], env=_fast_env())], tmp_path, "s", 60)
    nap = "import time; time.sleep(0.5)"
    wait = Job.run([Step("nap", [sys.executable, "-c", nap], env=_fast_env())], tmp_path, "n", 60)
    assert spin.ok and wait.ok
    assert spin.cpu >= 0.3 and spin.cpu <= spin.wall + 0.05
    assert wait.wall >= 0.5 and wait.cpu < 0.3


def test_job_stops_at_the_first_failing_step(tmp_path: Path):
    steps = [
        Step("fails", [sys.executable, "-c", "raise SystemExit(3)"]),
        Step("never", [sys.executable, "-c", "pass"]),
    ]
    sample = Job.run(steps, tmp_path, "fail", 60)
    assert not sample.ok
    assert sample.extra["rc"] == 3
    assert list(sample.steps) == ["fails"]


def test_stopping_a_job_leaves_no_process_behind(tmp_path: Path):
    # A parent that starts a child in a session of its own, as `webkit serve` does with the
    # server, and ignores SIGTERM: the stop must still end both.
    code = (
        "import signal, subprocess, sys, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "child = 'import signal, time; signal.signal(signal.SIGTERM, signal.SIG_DFL); '\n"
        "child += 'time.sleep(120)'\n"
        "subprocess.Popen([sys.executable, '-c', child], start_new_session=True)\n"
        "time.sleep(120)\n"
    )
    job = Job([Step("server", [sys.executable, "-c", code])], tmp_path, "server", grace=1.0)
    deadline = time.monotonic() + 20
    while len(job.tree()) < 2 and time.monotonic() < deadline:  # the parent and its child
        time.sleep(0.05)
    pids = job.tree()
    assert len(pids) >= 2
    assert tree_cpu_seconds(pids) >= 0
    sample = job.stop()
    assert sample.extra["stopped"]
    time.sleep(0.2)
    for pid in pids:
        assert not Path(f"/proc/{pid}").exists() or _zombie(pid), f"process {pid} outlived the stop"


def _zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat[stat.rfind(")") + 2] == "Z"


def test_budgets_pass_miss_and_unmeasured():
    metrics = {
        "startup.help": 0.05,
        "startup.floor": 0.04,
        "render.flask.webkit": 0.4,
        "render.flask.cookiecutter": 0.3,
    }
    outcomes = budgets.evaluate(metrics, {"startup", "render", "new"}, ("flask",))
    by_name = {o.budget: o for o in outcomes}
    assert by_name["`webkit --help` vs `python -c 'import click'`"].status == budgets.PASS
    assert by_name["Render only, flask: webkit vs cookiecutter's CLI"].status == budgets.MISS
    warm = by_name["Whole `new`, warm caches, flask"]
    assert warm.status == budgets.NOT_MEASURED and warm.missed
    serving = [o for o in outcomes if o.section == "serving"]
    assert serving and all(o.status == budgets.NOT_RUN and not o.missed for o in serving)


def test_budgets_for_serving_need_more_throughput_and_lower_p99():
    metrics = {}
    for endpoint in budgets.ENDPOINTS:
        key = f"serve.django.{endpoint}"
        metrics.update(
            {
                f"{key}.webkit.rps": 1600.0,
                f"{key}.defaults.rps": 1000.0,
                f"{key}.webkit.p99": 20.0 if endpoint == "api" else 30.0,
                f"{key}.defaults.p99": 25.0,
            }
        )
    outcomes = [
        o for o in budgets.evaluate(metrics, {"serving"}, ("django",)) if o.section == "serving"
    ]
    statuses = {o.budget.rsplit(", ", 1)[1]: o.status for o in outcomes}
    assert statuses == {
        "api: requests/s": budgets.PASS,
        "api: p99 latency": budgets.PASS,
        "static: requests/s": budgets.PASS,
        "static: p99 latency": budgets.MISS,
    }


def test_budgets_for_doctor_and_run():
    metrics = {
        "doctor.flask.webkit": 0.3,
        "doctor.flask.framework": 0.9,
        "doctor.django.webkit": 0.6,
        "doctor.django.framework": 0.5,
        "run.flask.overhead": 0.08,
        "run.flask.floor": 0.05,
        "run.django.overhead": 0.12,
        "run.django.floor": 0.05,
    }
    outcomes = budgets.evaluate(metrics, {"doctor", "run"}, ("flask", "django"))
    statuses = {o.budget: o.status for o in outcomes if o.section in ("doctor", "run")}
    assert statuses == {
        "`webkit doctor`, healthy project, flask": budgets.PASS,
        "`webkit doctor`, flask: all its checks vs the framework's migration check alone": (
            budgets.PASS
        ),
        "`webkit doctor`, healthy project, django": budgets.MISS,
        "`webkit doctor`, django: all its checks vs the framework's migration check alone": (
            budgets.MISS
        ),
        "`webkit run` overhead over the command run directly, flask": budgets.PASS,
        "`webkit run` overhead over the command run directly, django": budgets.MISS,
    }


@pytest.mark.e2e
def test_quick_benchmark_run_writes_the_report(tmp_path: Path):
    report = tmp_path / "RESULTS.md"
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks",
            "--quick",
            "--check",
            "--only",
            "startup,render",
            "--output",
            str(report),
            "--tmp",
            str(tmp_path),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env={k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}},
    )
    # --check exits 1 when a budget is missed; timings are not this test's business.
    assert completed.returncode in (0, 1), completed.stdout + completed.stderr
    text = report.read_text(encoding="utf-8")
    for heading in ("# webkit benchmarks", "## Machine", "## Conditions", "## Budgets"):
        assert f"\n{heading}\n" in f"\n{text}"
    assert "## 1. Start-up" in text and "## 2. Render only" in text
    assert "## 3." not in text, "sections left out with --only must not appear"
    assert re.search(r"Load average when the run started: [\d.]+", text)
    for row in ("import click", "`webkit --help`", "`webkit --version`", "`cookiecutter --help`"):
        assert re.search(rf"^\| [^\n]*{re.escape(row)}[^\n]*\| [\d.]+ m?s", text, re.M), row
    for fw in ("flask", "django"):
        assert re.search(rf"^\| {fw} \| `webkit new --no-venv[^\n]*\| [\d.]+ m?s", text, re.M)
        assert re.search(rf"^\| {fw} \| `cookiecutter --no-input` \|", text, re.M)
    budget_rows = [line for line in text.splitlines() if line.startswith("| ") and "| ≤" in line]
    measured = [
        row
        for row in budget_rows
        if "Start-up" in row or "webkit --help" in row or "Render only" in row
    ]
    assert len(measured) == 3 and all(("pass" in r) or ("MISS" in r) for r in measured)
    assert "| not run |" in text
    missed = text.count("**MISS**")
    if completed.returncode == 1:
        assert missed and f"{missed} budget(s) missed" in completed.stderr
    else:
        assert missed == 0
    leftovers = [p for p in tmp_path.iterdir() if p.name.startswith("webkit-bench-")]
    assert not leftovers, "the benchmark workspace must be removed"


@pytest.mark.parametrize("keep", [False, True])
def test_what_a_section_discards_is_deleted_when_it_ends_not_between_runs(tmp_path, keep):
    from types import SimpleNamespace

    from benchmarks.context import Context

    ctx = Context(SimpleNamespace(keep=keep), None, tmp_path, tmp_path)
    run = ctx.scratch("new-django-warm-webkit")
    (run / "project").mkdir()
    ctx.discard(run)
    assert run.is_dir()  # the next measured run does not pay for deleting it
    ctx.empty_trash()
    assert run.is_dir() == keep


def test_webkit_is_measured_with_its_bytecode_as_pip_would_have_installed_it(tmp_path: Path):
    import importlib.util

    import webkit_cli
    from benchmarks.context import compile_webkit

    script = tmp_path / "webkit"
    script.write_text(f"#!{sys.executable}\nimport webkit_cli.cli\n")
    note = compile_webkit(script)
    folder = Path(webkit_cli.__file__).parent
    assert f"({folder}) have bytecode" in note
    assert Path(importlib.util.cache_from_source(str(folder / "cli.py"))).is_file()
    assert "not checked" in compile_webkit(tmp_path / "missing")


def test_a_workspace_folder_that_does_not_exist_is_a_clear_error(tmp_path: Path):
    completed = subprocess.run(
        [
            *(sys.executable, "-m", "benchmarks", "--quick", "--only", "startup"),
            *("--tmp", str(tmp_path / "missing"), "--output", str(tmp_path / "R.md")),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 2, completed.stderr
    assert "Traceback" not in completed.stderr
    assert f"cannot create the workspace in {tmp_path / 'missing'}" in completed.stderr
    assert "hint: pass --tmp" in completed.stderr
    assert not (tmp_path / "R.md").exists()


def test_the_budget_for_generate():
    metrics = {
        "generate.flask.webkit": 1.2,
        "generate.flask.framework": 1.7,
        "generate.django.webkit": 1.6,
        "generate.django.framework": 1.7,
    }
    outcomes = budgets.evaluate(metrics, {"generate"}, ("flask", "django"))
    statuses = {o.budget: o.status for o in outcomes if o.section == "generate"}
    assert statuses == {
        "`webkit generate resource` with its migration, warm, flask": budgets.PASS,
        "`webkit generate resource` with its migration, warm, django": budgets.MISS,
    }
    flask = next(o for o in outcomes if o.budget.endswith("flask") and o.section == "generate")
    assert flask.measured == "1.20 s (the framework's tools: 1.70 s)"
    missing = budgets.evaluate({}, {"generate"}, ("flask",))
    assert any(o.section == "generate" and o.missed for o in missing)


def test_budgets_for_new_warm_with_the_floor_and_cold():
    metrics = {
        "new.warm.flask.webkit": 1.2,
        "new.warm.flask.floor": 0.8,
        "new.warm.flask.manual": 7.2,
        "new.cold.flask.webkit": 2.9,
        "new.warm.django.webkit": 1.6,
        "new.warm.django.floor": 0.9,
        "new.warm.django.manual": 9.0,
        "new.cold.django.webkit": 3.2,
    }
    outcomes = budgets.evaluate(metrics, {"new"}, ("flask", "django"))
    by_name = {o.budget: o for o in outcomes if o.section == "new"}
    flask = by_name["Whole `new`, warm caches, flask"]
    assert flask.status == budgets.PASS and "= 1.50x the floor (800 ms)" in flask.measured
    assert by_name["Whole `new`, warm caches, flask: manual route / webkit"].status == budgets.PASS
    assert by_name["Whole `new`, cold caches, flask"].status == budgets.PASS
    assert by_name["Whole `new`, warm caches, django"].status == budgets.MISS
    assert by_name["Whole `new`, warm caches, django: manual route / webkit"].status == budgets.PASS
    assert by_name["Whole `new`, cold caches, django"].status == budgets.MISS
    del metrics["new.warm.flask.floor"]  # the floor was not measured: the budget is not either
    outcomes = budgets.evaluate(metrics, {"new"}, ("flask",))
    warm = next(o for o in outcomes if o.budget == "Whole `new`, warm caches, flask")
    assert warm.status == budgets.NOT_MEASURED and warm.missed
