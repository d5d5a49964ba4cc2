"""5. Serving: `webkit serve --prod` against gunicorn with its defaults, under wrk on loopback."""

from __future__ import annotations

from pathlib import Path

from benchmarks.budgets import ENDPOINTS
from benchmarks.context import Context, require
from benchmarks.harness import (
    BenchmarkError,
    Job,
    Sample,
    Step,
    format_mb,
    interleave,
    summarize,
    tree_cpu_seconds,
    tree_pss_kb,
)
from benchmarks.net import HOST, free_port, get, static_path, wait_for_200, wrk
from benchmarks.report import Section, Table

TITLE = "Serving: the production configuration against gunicorn's defaults"
CONNECTIONS = 32
THREADS = 2
WARMUP_SECONDS = 1

WEBKIT = "webkit"
DEFAULTS = "defaults"
LABELS = {
    WEBKIT: "`webkit serve --prod` (generated gunicorn.conf.py)",
    DEFAULTS: "gunicorn defaults (1 sync worker)",
}


def intro(seconds: float) -> str:
    return (
        "One fresh project per framework. **webkit**: `webkit serve --prod --port P`, i.e. "
        "gunicorn with the project's gunicorn.conf.py (its worker count, worker class and so "
        "on; no access log, which it writes only when GUNICORN_ACCESS_LOG asks for one, and "
        "which no variable here sets). **defaults**: `.venv/bin/python -m gunicorn -c EMPTY --bind "
        "127.0.0.1:P APP` with an empty configuration file (gunicorn would otherwise read "
        "./gunicorn.conf.py), i.e. one sync worker, in the same production environment "
        "(production settings, the project's SECRET_KEY, Django's collectstatic done). Load: "
        f"`wrk -t{THREADS} -c{CONNECTIONS} -d{seconds:.0f}s --latency --timeout 5s` on loopback, "
        f"after an unrecorded {WARMUP_SECONDS} s warm-up, against the JSON API's list endpoint "
        "(an empty table: one query, an empty list) and the stylesheet the home page links to. "
        "wrk runs on the same 2 cores as the server. The two servers alternate; each round "
        "starts each server afresh."
    )


def production_env(ctx: Context, project: Path, fw) -> dict[str, str]:
    """What `webkit serve --prod` gives its server: .env, the environment, production settings."""
    from dotenv import dotenv_values

    base = ctx.env()
    values = {k: v for k, v in dotenv_values(project / ".env").items() if v is not None}
    values.update(base)
    values.update({k: v for k, v in fw.local_prod_env.items() if k not in base})
    values.update(fw.prod_env)
    values["ALLOWED_HOSTS"] = f"{HOST},localhost"
    if not values.get("SECRET_KEY"):
        raise BenchmarkError(f"{project}/.env has no SECRET_KEY")
    return values


def _serve(
    ctx: Context, label: str, step: Step, port: int, fw_name: str, fw, seconds: float
) -> Sample:
    api, static_fallback = fw.api_path, fw.static_url + "css/app.css"
    job = Job([step], ctx.workspace, f"serving-{fw_name}-{label}")
    try:
        if wait_for_200(port, "/healthz", job.running, timeout=180) is None:
            raise BenchmarkError(
                f"{label} ({fw_name}) never answered /healthz:\n{job.stop().log_tail()}"
            )
        static = static_path(port, static_fallback)
        for path in (api, static):
            status, _ = get(port, path)
            if status != 200:
                raise BenchmarkError(f"{label} ({fw_name}): GET {path} answered {status}, not 200")
        wrk(ctx.tools.wrk, port, api, WARMUP_SECONDS, THREADS, CONNECTIONS)
        measured, cpu, boots = {}, {}, {}
        for endpoint, path in (("api", api), ("static", static)):
            cpu_before, boots_before = tree_cpu_seconds(job.tree()), _boots(job)
            result = wrk(ctx.tools.wrk, port, path, seconds, THREADS, CONNECTIONS)
            used = tree_cpu_seconds(job.tree()) - cpu_before
            measured[endpoint] = result
            cpu[endpoint] = 1000 * used / max(result.requests, 1)
            boots[endpoint] = _boots(job) - boots_before
            ctx.say(
                f"serving {fw_name} {label} {endpoint} {path}: {result.rps:.0f} req/s, "
                f"p99 {result.p99_ms:.1f} ms, {cpu[endpoint]:.2f} CPU ms/request, "
                f"{boots[endpoint]} worker boots, errors {result.errors}"
            )
        tree = job.tree()
        pss = tree_pss_kb(tree)
    finally:
        sample = job.stop()
    sample.extra.update(
        wrk=measured, cpu_ms=cpu, boots=boots, pss_kb=pss, processes=len(tree), static=static
    )
    return sample


def run(ctx: Context, section: Section) -> None:
    from webkit_cli import frameworks

    seconds = ctx.options.serve_seconds
    section.intro = intro(seconds)
    if ctx.tools.wrk is None:
        section.skipped = "wrk is not installed (Debian: apt-get install wrk)"
        return
    empty_conf = ctx.workspace / "gunicorn-defaults.conf.py"
    empty_conf.write_text("# Empty: gunicorn's defaults.\n", encoding="utf-8")
    rows, memory_rows = [], []
    for fw_name in ctx.options.frameworks:
        fw = frameworks.get(fw_name)
        project, _ = ctx.fresh_project(fw_name, "serving")
        python = project / ".venv" / "bin" / "python"
        env = production_env(ctx, project, fw)
        for argv in fw.prod_prepare:  # collectstatic, for the defaults server
            step = Step("prepare", [python, *argv], cwd=project, env=env, timeout=600)
            require(Job.run([step], ctx.workspace, f"prepare-{fw_name}", 660), " ".join(argv))

        def webkit_case(_round: int, fw_name=fw_name, fw=fw, project=project) -> Sample:
            port = free_port()
            argv = [ctx.tools.webkit, "serve", "--prod", "--port", str(port)]
            step = Step("serve", argv, cwd=project, env=ctx.env())
            return _serve(ctx, WEBKIT, step, port, fw_name, fw, seconds)

        def defaults_case(
            _round: int, fw_name=fw_name, fw=fw, project=project, env=env, python=python
        ) -> Sample:
            port = free_port()
            argv = [python, "-m", "gunicorn", "-c", empty_conf, "--bind", f"{HOST}:{port}"]
            step = Step("gunicorn", [*argv, fw.wsgi_app], cwd=project, env=env)
            return _serve(ctx, DEFAULTS, step, port, fw_name, fw, seconds)

        results = interleave(
            {WEBKIT: webkit_case, DEFAULTS: defaults_case},
            section.rounds,
            lambda m, fw_name=fw_name: ctx.say(f"serving {fw_name}: {m}"),
        )
        for endpoint in ENDPOINTS:
            medians = {}
            for label in (WEBKIT, DEFAULTS):
                runs = [s.extra["wrk"][endpoint] for s in results[label]]
                rps = summarize(r.rps for r in runs)
                p99 = summarize(r.p99_ms for r in runs)
                p50 = summarize(r.p50_ms for r in runs)
                cpu = summarize(s.extra["cpu_ms"][endpoint] for s in results[label])
                boots = sum(s.extra["boots"][endpoint] for s in results[label])
                errors = sum(r.errors for r in runs)
                total = sum(r.requests for r in runs)
                medians[label] = (rps.median, p99.median)
                key = f"serve.{fw_name}.{endpoint}.{label}"
                section.metrics[f"{key}.rps"] = rps.median
                section.metrics[f"{key}.p99"] = p99.median
                path = results[label][0].extra["static"] if endpoint == "static" else fw.api_path
                rows.append(
                    [
                        fw_name,
                        f"{endpoint} `{path}`",
                        LABELS[label],
                        _range(rps, "{:.0f}"),
                        _range(p99, "{:.1f} ms"),
                        f"{p50.median:.1f} ms",
                        f"{cpu.median:.2f} ms",
                        str(boots),
                        f"{errors} of {total}",
                    ]
                )
            (a_rps, a_p99), (b_rps, b_p99) = medians[WEBKIT], medians[DEFAULTS]
            rows.append(
                [
                    fw_name,
                    endpoint,
                    "**ratio webkit / defaults**",
                    f"**{a_rps / b_rps:.2f}x**",
                    f"{a_p99 / b_p99:.2f}x",
                    "",
                    "",
                    "",
                    "",
                ]
            )
        for label in (WEBKIT, DEFAULTS):
            samples = results[label]
            memory_rows.append(
                [
                    fw_name,
                    LABELS[label],
                    str(samples[0].extra["processes"]),
                    format_mb(summarize(s.extra["pss_kb"] for s in samples).median),
                    format_mb(summarize(s.maxrss_kb for s in samples).median),
                ]
            )
        ctx.discard(project.parent)
    section.tables.append(
        Table(
            [
                "Framework",
                "Endpoint",
                "Server",
                "Requests/s: median (range)",
                "p99: median (range)",
                "p50",
                "Server CPU per request",
                "Workers booted during the load",
                "Errors",
            ],
            rows,
            "Server CPU per request: CPU time of all the server's processes (workers restarted "
            "meanwhile included) over the requests served; unlike requests/s it hardly depends "
            "on what else the machine runs.",
        )
    )
    section.tables.append(
        Table(
            [
                "Framework",
                "Server",
                "Processes",
                "PSS of the server's processes after the load",
                "Peak RSS (largest process)",
            ],
            memory_rows,
            "Memory: PSS counts pages shared between gunicorn's workers once.",
        )
    )


def _boots(job: Job) -> int:
    """Workers gunicorn has booted so far (it logs each one)."""
    try:
        return job.log.read_text(encoding="utf-8", errors="replace").count("Booting worker")
    except OSError:
        return 0


def _range(summary, pattern: str) -> str:
    value = pattern.format(summary.median)
    if summary.n == 1:
        return value
    return f"{value} ({pattern.format(summary.low)}-{pattern.format(summary.high)})"
