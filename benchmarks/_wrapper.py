"""Run one measured job in a process of its own, and write what it measured as JSON.

    python _wrapper.py SPEC.json

SPEC holds `steps` (each: name, argv, cwd, env, timeout), `log` (where the steps' output goes)
and `result` (where this writes the result). The steps run one after another, each in a new
session, and the job stops at the first step that fails. Each step's wall time is taken around
spawning and reaping it, so this wrapper's own start-up is never counted. The peak memory is
`getrusage(RUSAGE_CHILDREN).ru_maxrss`: the largest resident set of any process of the job
(children and their reaped descendants), which is why every job gets a fresh wrapper.

SIGTERM or SIGINT sent to the wrapper is forwarded to the running step's process group, and
that group is killed if it is still there `grace` seconds later. A step past its timeout is
stopped the same way. Stdlib only: this file runs outside the package.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import signal
import subprocess
import sys
import time

GRACE = 15.0


def main() -> int:
    with open(sys.argv[1], encoding="utf-8") as handle:
        spec = json.load(handle)
    grace = float(spec.get("grace", GRACE))
    state: dict = {"child": None, "stopped": False, "timed_out": False, "killing": False}

    def kill_group(sig: int) -> None:
        child = state["child"]
        if child is not None and child.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, sig)

    def escalate() -> None:
        state["killing"] = True
        kill_group(signal.SIGTERM)
        signal.setitimer(signal.ITIMER_REAL, grace)

    def on_stop(signum, _frame) -> None:
        state["stopped"] = True
        if not state["killing"]:
            escalate()

    def on_alarm(_signum, _frame) -> None:
        if state["killing"]:  # the grace period is over
            kill_group(signal.SIGKILL)
        else:  # the step's own timeout
            state["timed_out"] = True
            escalate()

    signal.signal(signal.SIGTERM, on_stop)
    signal.signal(signal.SIGINT, on_stop)
    signal.signal(signal.SIGALRM, on_alarm)

    steps = []
    returncode = 0
    with open(spec["log"], "ab") as log:
        for step in spec["steps"]:
            if state["stopped"]:
                break
            log.write(f"\n### {step['name']}: {' '.join(step['argv'])}\n".encode())
            log.flush()
            state["killing"] = False
            started = time.monotonic()
            try:
                child = subprocess.Popen(
                    step["argv"],
                    cwd=step.get("cwd"),
                    env=step.get("env"),
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            except OSError as exc:
                log.write(f"cannot run {step['argv'][0]}: {exc}\n".encode())
                steps.append({"name": step["name"], "start": started, "wall": 0.0, "rc": 127})
                returncode = 127
                break
            state["child"] = child
            if step.get("timeout"):
                signal.setitimer(signal.ITIMER_REAL, float(step["timeout"]))
            returncode = child.wait()  # blocking: no polling error in the wall time
            ended = time.monotonic()
            signal.setitimer(signal.ITIMER_REAL, 0)
            state["child"] = None
            steps.append(
                {"name": step["name"], "start": started, "wall": ended - started, "rc": returncode}
            )
            if returncode != 0:
                break
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = {
        "steps": steps,
        "rc": returncode,
        "maxrss_kb": usage.ru_maxrss,
        "cpu": usage.ru_utime + usage.ru_stime,  # of every process of the job, reaped ones
        "stopped": state["stopped"],
        "timed_out": state["timed_out"],
    }
    tmp = spec["result"] + ".tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(result, handle)
    os.replace(tmp, spec["result"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
