"""PostgreSQL through psycopg 3 (see __init__.py): connect; when the database is missing,
create it from one of the server's maintenance databases."""

import json
import os
import re


def answer(**fields):
    print(json.dumps(fields), flush=True)


try:
    import psycopg
    from psycopg import errors, sql
    from psycopg.conninfo import conninfo_to_dict, make_conninfo
except ImportError as exc:
    answer(state="error", kind="driver", message=str(exc))
    raise SystemExit(0) from None

URL = os.environ["WEBKIT_DATABASE_URL"]
NAME = conninfo_to_dict(URL).get("dbname")
AUTH = (
    "authentication failed",
    "no password supplied",
    "pg_hba.conf",
    "password is required",
)
PRIVILEGES = ("permission denied",)
REFUSED = (
    "connection refused",
    "could not connect",
    "timeout expired",
    "no such file or directory",
    "name or service not known",
    "failed to resolve host",
    "could not translate host name",
    "temporary failure in name resolution",
    "network is unreachable",
    "no route to host",
)


def detail(exc):
    """The first line, without libpq's 'connection to server at "h", port p failed:'."""
    line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    line = re.sub(r"^connection (failed|is bad): ", "", line)
    line = re.sub(r"^connection to server (at|on) .*? failed: ", "", line)
    return re.sub(r"^(FATAL|ERROR): +", "", line).strip()


def kind_of(exc):
    low = str(exc).lower()
    if ("role" in low and "does not exist" in low) or any(word in low for word in AUTH):
        return "auth"
    if any(word in low for word in PRIVILEGES):
        return "privileges"
    if any(word in low for word in REFUSED):
        return "refused"
    return "other"


def create():
    failure = None
    for maintenance in ("postgres", "template1"):
        try:
            conn = psycopg.connect(
                make_conninfo(URL, dbname=maintenance), autocommit=True, connect_timeout=5
            )
        except psycopg.OperationalError as exc:  # not there, or not for us: try the next one
            failure = failure or exc
            continue
        with conn:
            try:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(NAME)))
            except errors.DuplicateDatabase:  # created meanwhile, e.g. by another setup
                return answer(state="exists", name=NAME)
            except psycopg.Error as exc:
                return answer(state="error", kind="create", message=detail(exc))
        return answer(state="created", name=NAME)
    return answer(state="error", kind="create", message=detail(failure))


try:
    psycopg.connect(URL, connect_timeout=5).close()
    answer(state="exists", name=NAME)
except psycopg.OperationalError as exc:
    if NAME and f'database "{NAME}" does not exist' in str(exc):
        create()
    else:
        answer(state="error", kind=kind_of(exc), message=detail(exc))
