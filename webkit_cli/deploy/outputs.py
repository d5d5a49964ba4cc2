"""What each deploy-config target writes: its files (templates below templates/deploy/, or
made from the project), the targets it needs, and the rendered result."""

from __future__ import annotations

from dataclasses import dataclass

from webkit_cli.deploy.settings import TARGETS


@dataclass(frozen=True)
class Output:
    template: str  # below templates/deploy/
    path: str  # relative to the project root; {output} and {name} are filled in
    when: str = ""  # written only when this value of the context is set (a feature's files)
    made: bool = False  # not a template: made by MAKERS[template] from the project


ENV_EXAMPLE = Output("env.example.j2", "{output}/.env.example")

# What each target writes. The .dockerignore and the Procfile sit at the project root, where
# `docker build .` and the platforms look for them; everything else goes below --output.
FILES: dict[str, tuple[Output, ...]] = {
    "gunicorn": (Output("gunicorn.conf.py.j2", "{output}/gunicorn.conf.py"),),
    "nginx": (Output("nginx.conf.j2", "{output}/nginx/{name}.conf"),),
    "systemd": (
        Output("systemd.service.j2", "{output}/systemd/{name}.service"),
        Output("systemd-worker.service.j2", "{output}/systemd/{name}-worker.service", "worker"),
        ENV_EXAMPLE,
    ),
    "docker": (
        Output("Dockerfile.j2", "{output}/Dockerfile"),
        Output("hashed_lock", "{output}/requirements-hashed.lock", made=True),
        Output("dockerignore.j2", ".dockerignore"),
        ENV_EXAMPLE,
    ),
    "compose": (Output("compose.yaml.j2", "{output}/compose.yaml"), ENV_EXAMPLE),
    "k8s": (
        *(
            Output(f"k8s/{part}.yaml.j2", f"{{output}}/k8s/{part}.yaml")
            for part in (
                "configmap",
                "deployment",
                "service",
                "ingress",
                "hpa",
                "migrate-job",
                "{server}",  # the database server: postgres or mysql
                "networkpolicy",
            )
        ),
        Output("k8s/worker.yaml.j2", "{output}/k8s/worker.yaml", "worker"),
        Output("k8s/redis.yaml.j2", "{output}/k8s/redis.yaml", "uses_redis"),
        ENV_EXAMPLE,
    ),
    "procfile": (Output("Procfile.j2", "Procfile"),),
}

# A target whose files refer to another target's files brings that target along.
REQUIRES: dict[str, tuple[str, ...]] = {
    "systemd": ("gunicorn",),
    "docker": ("gunicorn",),
    "compose": ("docker",),
    "k8s": ("docker",),
    "procfile": ("gunicorn",),
}


@dataclass(frozen=True)
class Rendered:
    path: str  # relative to the project root, with forward slashes
    target: str
    content: str


def expand(targets: tuple[str, ...]) -> tuple[str, ...]:
    """The chosen targets and those they need, in the canonical order."""
    wanted: set[str] = set()
    pending = list(targets)
    while pending:
        target = pending.pop()
        if target not in wanted:
            wanted.add(target)
            pending.extend(REQUIRES.get(target, ()))
    return tuple(t for t in TARGETS if t in wanted)
