"""Scripts that webkit runs with a project's own Python (its .venv has the database driver):
each connects to the database of WEBKIT_DATABASE_URL, creates it when it is missing, and prints
one JSON line: {"state": "exists" | "created", "name": ...} or {"state": "error", "kind":
"refused" | "auth" | "privileges" | "create" | "driver" | "other", "message": ...}.

The URL comes in the environment, so that its password shows neither in the process list nor
in `--verbose` output. They are not imported by webkit itself.
"""
