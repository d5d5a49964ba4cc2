"""The speed budgets from the issue, checked against a run's medians (`--check`)."""

from __future__ import annotations

from dataclasses import dataclass

from benchmarks.harness import format_seconds

PASS, MISS, NOT_MEASURED, NOT_RUN = "pass", "MISS", "not measured", "not run"

FIRST_RESPONSE_LIMIT = {"flask": 1.5, "django": 2.5}  # seconds, dev mode
STARTUP_FACTOR = 2.0
NEW_WARM_LIMIT = 1.5  # seconds, median, warm caches (issue 23)
NEW_WARM_RATIO = 5.0
NEW_COLD_LIMIT = 3.0  # seconds, median, every cache empty
SERVE_RPS_RATIO = 1.5
DOCTOR_LIMIT = 0.5  # seconds: "well under a second" on a healthy project
RUN_OVERHEAD_FACTOR = 2.0  # webkit run's overhead, in `import click` floors
UPDATE_NOOP_LIMIT = 1.0  # seconds: `webkit update` on a project that is up to date
UPDATE_CHANGE_LIMIT = 3.0  # seconds: a template change merged, without installs
# The median latency of the example background task, enqueue to done, with one worker.
JOB_LATENCY_LIMIT = 1.0
GENERATE_LIMIT = 1.5  # seconds, `webkit generate resource` with its migration, warm
ENDPOINTS = ("api", "static")


@dataclass(frozen=True)
class Outcome:
    budget: str
    section: str
    measured: str
    limit: str
    status: str

    @property
    def missed(self) -> bool:
        """With --check: a miss, or a budget whose section ran but could not measure it."""
        return self.status in (MISS, NOT_MEASURED)


def evaluate(
    metrics: dict[str, float],
    sections_run: set[str],
    frameworks: tuple[str, ...],
    reasons: dict[str, str] | None = None,
) -> list[Outcome]:
    """One Outcome per budget; `sections_run` are those asked for (they must measure it)."""
    reasons = reasons or {}
    outcomes: list[Outcome] = []

    def add(budget: str, section: str, limit: str, needed: list[str], judge) -> None:
        if section not in sections_run:
            outcomes.append(Outcome(budget, section, "", limit, NOT_RUN))
            return
        missing = [key for key in needed if key not in metrics]
        if missing:
            why = reasons.get(section) or f"no value for {', '.join(missing)}"
            outcomes.append(Outcome(budget, section, why, limit, NOT_MEASURED))
            return
        measured, ok = judge(*(metrics[key] for key in needed))
        outcomes.append(Outcome(budget, section, measured, limit, PASS if ok else MISS))

    def startup(help_: float, floor: float):
        return (
            f"{format_seconds(help_)} = {help_ / floor:.2f}x the floor ({format_seconds(floor)})",
            help_ <= STARTUP_FACTOR * floor,
        )

    add(
        "`webkit --help` vs `python -c 'import click'`",
        "startup",
        f"≤ {STARTUP_FACTOR:.0f}x the floor",
        ["startup.help", "startup.floor"],
        startup,
    )
    for fw in frameworks:

        def render(webkit: float, cc: float):
            return (
                f"{format_seconds(webkit)} vs cookiecutter {format_seconds(cc)} ({webkit / cc:.2f}x)",
                webkit <= cc,
            )

        add(
            f"Render only, {fw}: webkit vs cookiecutter's CLI",
            "render",
            "≤ 1.00x cookiecutter",
            [f"render.{fw}.webkit", f"render.{fw}.cookiecutter"],
            render,
        )
    for fw in frameworks:
        add(
            f"Whole `new`, warm caches, {fw}",
            "new",
            f"≤ {NEW_WARM_LIMIT:.1f} s",
            [f"new.warm.{fw}.webkit", f"new.warm.{fw}.floor"],
            lambda t, floor: (
                f"{format_seconds(t)} = {t / floor:.2f}x the floor ({format_seconds(floor)})",
                t <= NEW_WARM_LIMIT,
            ),
        )
        add(
            f"Whole `new`, warm caches, {fw}: manual route / webkit",
            "new",
            f"≥ {NEW_WARM_RATIO:.0f}x",
            [f"new.warm.{fw}.manual", f"new.warm.{fw}.webkit"],
            lambda manual, webkit: (
                f"{manual / webkit:.2f}x ({format_seconds(manual)} / {format_seconds(webkit)})",
                manual / webkit >= NEW_WARM_RATIO,
            ),
        )
        add(
            f"Whole `new`, cold caches, {fw}",
            "new",
            f"≤ {NEW_COLD_LIMIT:.1f} s",
            [f"new.cold.{fw}.webkit"],
            lambda t: (format_seconds(t), t <= NEW_COLD_LIMIT),
        )
    for fw in frameworks:
        if fw not in FIRST_RESPONSE_LIMIT:
            continue
        limit = FIRST_RESPONSE_LIMIT[fw]
        add(
            f"First 200 from /healthz, dev server, {fw}",
            "first-response",
            f"≤ {limit:.1f} s",
            [f"first.{fw}.dev"],
            lambda t, limit=limit: (format_seconds(t), t <= limit),
        )
    for fw in frameworks:
        for endpoint in ENDPOINTS:
            key = f"serve.{fw}.{endpoint}"
            add(
                f"`serve --prod` vs gunicorn defaults, {fw}, {endpoint}: requests/s",
                "serving",
                f"≥ {SERVE_RPS_RATIO:.1f}x",
                [f"{key}.webkit.rps", f"{key}.defaults.rps"],
                lambda a, b: (f"{a / b:.2f}x ({a:.0f} vs {b:.0f} req/s)", a >= SERVE_RPS_RATIO * b),
            )
            add(
                f"`serve --prod` vs gunicorn defaults, {fw}, {endpoint}: p99 latency",
                "serving",
                "lower",
                [f"{key}.webkit.p99", f"{key}.defaults.p99"],
                lambda a, b: (f"{a:.1f} ms vs {b:.1f} ms", a < b),
            )
    for fw in frameworks:
        add(
            f"`webkit doctor`, healthy project, {fw}",
            "doctor",
            f"≤ {DOCTOR_LIMIT:.1f} s",
            [f"doctor.{fw}.webkit"],
            lambda t: (format_seconds(t), t <= DOCTOR_LIMIT),
        )
        add(
            f"`webkit doctor`, {fw}: all its checks vs the framework's migration check alone",
            "doctor",
            "faster",
            [f"doctor.{fw}.webkit", f"doctor.{fw}.framework"],
            lambda doctor, framework: (
                f"{format_seconds(doctor)} vs {format_seconds(framework)} "
                f"({doctor / framework:.2f}x)",
                doctor < framework,
            ),
        )
    for fw in frameworks:
        add(
            f"`webkit run` overhead over the command run directly, {fw}",
            "run",
            f"≤ {RUN_OVERHEAD_FACTOR:.0f}x the `import click` floor",
            [f"run.{fw}.overhead", f"run.{fw}.floor"],
            lambda overhead, floor: (
                f"{format_seconds(overhead)} = {overhead / floor:.2f}x the floor "
                f"({format_seconds(floor)})",
                overhead <= RUN_OVERHEAD_FACTOR * floor,
            ),
        )
    for fw in frameworks:
        add(
            f"`webkit update`, up to date, {fw}",
            "update",
            f"≤ {UPDATE_NOOP_LIMIT:.0f} s",
            [f"update.{fw}.noop"],
            lambda t: (format_seconds(t), t <= UPDATE_NOOP_LIMIT),
        )
        add(
            f"`webkit update`, a template change (no install), {fw}",
            "update",
            f"≤ {UPDATE_CHANGE_LIMIT:.0f} s",
            [f"update.{fw}.change", f"update.{fw}.by_hand"],
            lambda t, by_hand: (
                f"{format_seconds(t)} (by hand: {format_seconds(by_hand)})",
                t <= UPDATE_CHANGE_LIMIT,
            ),
        )
        for backend in ("database", "redis"):
            add(
                f"Background job, enqueue to done (one worker), {fw}, queue in {backend}",
                "jobs",
                f'≤ {JOB_LATENCY_LIMIT:.0f} s ("within seconds")',
                [f"jobs.{fw}.{backend}.latency"],
                lambda t: (format_seconds(t), t <= JOB_LATENCY_LIMIT),
            )
    for fw in frameworks:
        add(
            f"`webkit generate resource` with its migration, warm, {fw}",
            "generate",
            f"≤ {GENERATE_LIMIT:.1f} s",
            [f"generate.{fw}.webkit", f"generate.{fw}.framework"],
            lambda webkit, framework: (
                f"{format_seconds(webkit)} (the framework's tools: {format_seconds(framework)})",
                webkit <= GENERATE_LIMIT,
            ),
        )
    return outcomes


def table_rows(outcomes: list[Outcome]) -> list[list[str]]:
    return [[o.budget, o.measured or "-", o.limit, _status(o.status)] for o in outcomes]


def _status(status: str) -> str:
    return {PASS: "pass", MISS: "**MISS**", NOT_MEASURED: "**not measured**"}.get(status, status)
