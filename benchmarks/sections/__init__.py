"""One module per comparison; ORDER is the report's order and the names --only accepts."""

from __future__ import annotations

ORDER = (
    "startup",
    "render",
    "new",
    "first-response",
    "serving",
    "tests",
    "doctor",
    "run",
    "update",
    "jobs",
    "generate",
)

MODULES = {
    "startup": "benchmarks.sections.startup",
    "render": "benchmarks.sections.render",
    "new": "benchmarks.sections.new",
    "first-response": "benchmarks.sections.first_response",
    "serving": "benchmarks.sections.serving",
    "tests": "benchmarks.sections.project_tests",
    "doctor": "benchmarks.sections.doctor",
    "run": "benchmarks.sections.run",
    "update": "benchmarks.sections.update",
    "jobs": "benchmarks.sections.jobs",
    "generate": "benchmarks.sections.generate",
}
