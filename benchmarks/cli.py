"""`python -m benchmarks`: run the comparisons, write RESULTS.md, check the budgets.

Exit status: 0 when everything ran (and, with --check, every budget passed); 1 when --check
found a missed or unmeasured budget; 2 when a benchmark could not run (bad options, a measured
command failed); 130 on Ctrl-C.
"""

from __future__ import annotations

import argparse
import importlib
import shlex
import shutil
import sys
import time
import traceback
from pathlib import Path

from benchmarks import budgets, machine
from benchmarks.context import (
    Context,
    Options,
    compile_webkit,
    find_tools,
    load_average,
    make_workspace,
    now_utc,
)
from benchmarks.harness import BenchmarkError
from benchmarks.report import Section, Table, render
from benchmarks.sections import MODULES, ORDER

DEFAULT_OUTPUT = Path(__file__).resolve().parent / "RESULTS.md"
# Rounds per section when --runs is not given: the cheap comparisons get more.
DEFAULT_ROUNDS = {
    "startup": 20,
    "render": 7,
    "new": 3,
    "first-response": 3,
    "serving": 3,
    "tests": 3,
    "doctor": 10,
    "run": 20,
    "update": 5,
    "jobs": 1,
    "generate": 5,
}
STARTUP_FACTOR = 4  # --runs N gives start-up 4 N rounds: each takes tens of milliseconds
QUICK_ROUNDS = {"startup": 3}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Time webkit against cookiecutter + virtualenv + pip, and gunicorn's "
        "defaults, and write the report (benchmarks/RESULTS.md).",
    )
    parser.add_argument(
        "--quick", action="store_true", help="one round each, 2 s load runs: a smoke test"
    )
    parser.add_argument("--check", action="store_true", help="exit 1 and name each missed budget")
    parser.add_argument(
        "--only",
        metavar="LIST",
        help=f"comma-separated sections to run, of: {','.join(ORDER)} (default: all)",
    )
    parser.add_argument(
        "--runs", type=int, metavar="N", help="rounds per comparison (start-up: 4 N)"
    )
    parser.add_argument(
        "--frameworks", default="flask,django", metavar="LIST", help="default: flask,django"
    )
    parser.add_argument(
        "--serve-seconds",
        type=float,
        metavar="S",
        help="length of each wrk run (default 10, quick 2)",
    )
    parser.add_argument(
        "--output", type=Path, default=DEFAULT_OUTPUT, help="the report (default: %(default)s)"
    )
    parser.add_argument(
        "--webkit", metavar="PATH", help="the webkit executable (default: next to this python)"
    )
    parser.add_argument(
        "--tmp", metavar="DIR", help="where the temporary workspace goes (default: the system's)"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the workspace (projects, logs) for inspection"
    )
    args = parser.parse_args(argv)
    if args.runs is not None and args.runs < 1:
        parser.error("--runs must be at least 1")
    try:
        args.sections = _sections(args.only)
    except ValueError as exc:
        parser.error(str(exc))
    return args


def _sections(only: str | None) -> list[str]:
    if not only:
        return list(ORDER)
    chosen = [name.strip() for name in only.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in MODULES]
    if unknown:
        raise ValueError(f"unknown section(s) {', '.join(unknown)}; choose from {','.join(ORDER)}")
    return [name for name in ORDER if name in chosen]


def _rounds(args: argparse.Namespace) -> dict[str, int]:
    if args.runs is not None:
        rounds = dict.fromkeys(ORDER, args.runs)
        rounds["startup"] = args.runs * STARTUP_FACTOR
        return rounds
    if args.quick:
        return {name: QUICK_ROUNDS.get(name, 1) for name in ORDER}
    return dict(DEFAULT_ROUNDS)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    chosen = args.sections
    fws = tuple(f.strip() for f in args.frameworks.split(",") if f.strip())
    from webkit_cli import frameworks

    unknown = [f for f in fws if f not in frameworks.NAMES]
    if unknown or not fws:
        print(
            f"error: unknown framework(s) {unknown}; choose from {frameworks.NAMES}",
            file=sys.stderr,
        )
        return 2
    options = Options(
        rounds=_rounds(args),
        quick=args.quick,
        frameworks=fws,
        serve_seconds=args.serve_seconds or (2.0 if args.quick else 10.0),
        keep=args.keep,
    )
    try:
        tools = find_tools(args.webkit)
    except BenchmarkError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from webkit_cli.template_store import templates_root

    try:
        workspace = make_workspace(args.tmp)
    except OSError as exc:
        print(
            f"error: cannot create the workspace in {args.tmp or 'the temporary directory'}: "
            f"{exc.strerror}\nhint: pass --tmp with an existing directory you can write to",
            file=sys.stderr,
        )
        return 2
    ctx = Context(options=options, tools=tools, workspace=workspace, templates=templates_root())
    ctx.notes.append(compile_webkit(tools.webkit))
    given = sys.argv[1:] if argv is None else argv
    command = " ".join(["python -m benchmarks", *(shlex.quote(a) for a in given)])
    ctx.say(f"workspace {workspace}; sections {', '.join(chosen)}; frameworks {', '.join(fws)}")
    started_at, load_at_start = now_utc(), load_average()
    sections: list[Section] = []
    failed = False
    try:
        for number, key in enumerate(ORDER, start=1):
            if key not in chosen:
                continue
            module = importlib.import_module(MODULES[key])
            section = Section(key, number, module.TITLE, getattr(module, "INTRO", ""))
            section.rounds = options.rounds[key]
            ctx.say(f"section {number}: {section.title} ({section.rounds} round(s))")
            before, clock = load_average(), time.monotonic()
            try:
                module.run(ctx, section)
            except (BenchmarkError, RuntimeError, ValueError, OSError) as exc:
                failed = True
                section.failed = True
                section.skipped = str(exc).replace("\n", "<br>")
                section.metrics.clear()
                ctx.say(f"section {key} failed: {exc}")
                if not isinstance(exc, BenchmarkError):
                    traceback.print_exc()
            section.load = (before, load_average())
            section.seconds = time.monotonic() - clock
            sections.append(section)
            ctx.empty_trash()
        metrics = {k: v for s in sections for k, v in s.metrics.items()}
        reasons = {s.key: s.skipped for s in sections if s.skipped}
        outcomes = budgets.evaluate(metrics, set(chosen), fws, reasons)
        report = render(
            title="webkit benchmarks",
            preamble=_preamble(command, started_at, load_at_start, chosen, options),
            machine=machine.machine_table(ctx),
            conditions=machine.conditions(ctx, command),
            budgets=Table(
                ["Budget", "Measured (medians)", "Limit", "Result"], budgets.table_rows(outcomes)
            ),
            sections=sections,
        )
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(report, encoding="utf-8")
        ctx.say(f"wrote {args.output}")
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    finally:
        if options.keep:
            ctx.say(f"kept the workspace: {workspace}")
        else:
            shutil.rmtree(workspace, ignore_errors=True)

    for outcome in outcomes:
        if outcome.status != budgets.NOT_RUN:
            mark = {budgets.PASS: "pass", budgets.MISS: "MISS"}.get(outcome.status, outcome.status)
            print(f"{mark:>12}  {outcome.budget}: {outcome.measured} (limit {outcome.limit})")
    if failed:
        return 2
    if args.check and any(o.missed for o in outcomes):
        missed = [o for o in outcomes if o.missed]
        print(f"{len(missed)} budget(s) missed:", file=sys.stderr)
        for outcome in missed:
            print(
                f"  {outcome.budget}: {outcome.measured} (limit {outcome.limit})", file=sys.stderr
            )
        return 1
    return 0


def _preamble(
    command: str, started_at: str, load: tuple[float, ...], chosen: list[str], options: Options
) -> list[str]:
    lines = [
        "Generated by `python -m benchmarks` (see benchmarks/README.md); do not edit by hand.",
        "",
        f"This run: `{command}`, started {started_at}, frameworks {', '.join(options.frameworks)}, "
        f"sections {', '.join(chosen)}.",
        "",
        f"**Load average when the run started: {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} "
        f"(1 / 5 / 15 min) on {_cores()} cores.** Each section gives its own below. A load "
        "near or above the core count means other work competed for the CPU and the numbers "
        "are noisy: regenerate on a quiet machine before quoting them.",
    ]
    if options.quick:
        lines += ["", "**Quick run** (`--quick`): one round each, a smoke test, not a measurement."]
    return lines


def _cores() -> int:
    import os

    return os.cpu_count() or 0
