"""MySQL and MariaDB through PyMySQL (see __init__.py): connect; when the database is missing,
create it in utf8mb4."""

import json
import os
from urllib.parse import parse_qs, unquote, urlsplit


def answer(**fields):
    print(json.dumps(fields), flush=True)


try:
    import pymysql
except ImportError as exc:
    answer(state="error", kind="driver", message=str(exc))
    raise SystemExit(0) from None

# MySQL's error numbers (the same in MariaDB).
UNKNOWN_DATABASE = 1049
AUTH = {1045, 1698}  # access denied for user; ... without a password (unix_socket auth)
PRIVILEGES = {1044, 1142, 1227}  # access denied to the database; command denied; need SUPER
REFUSED = {2002, 2003, 2005, 2006, 2013}  # socket, TCP, unknown host, gone away, lost

parts = urlsplit(os.environ["WEBKIT_DATABASE_URL"])
query = parse_qs(parts.query)
NAME = unquote(parts.path.lstrip("/"))
SERVER = {
    "host": parts.hostname or "localhost",
    "port": parts.port or 3306,
    "user": unquote(parts.username or ""),
    "password": unquote(parts.password or ""),
    "charset": "utf8mb4",
    "connect_timeout": 5,
}
if "unix_socket" in query:
    SERVER["unix_socket"] = query["unix_socket"][0]


def failure(exc, kind=None):
    code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
    message = str(exc.args[1]) if len(exc.args) > 1 else str(exc)
    if kind is None:
        if code in AUTH:
            kind = "auth"
        elif code in PRIVILEGES:
            kind = "privileges"
        elif code in REFUSED:
            kind = "refused"
        else:
            kind = "other"
    answer(state="error", kind=kind, message=message.splitlines()[0] if message else repr(exc))


def create():
    try:
        connection = pymysql.connect(**SERVER)
    except pymysql.MySQLError as exc:
        return failure(exc)
    try:
        with connection.cursor() as cursor:
            quoted = "`" + NAME.replace("`", "``") + "`"
            cursor.execute(
                f"CREATE DATABASE IF NOT EXISTS {quoted} "
                "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
            )
    except pymysql.MySQLError as exc:
        code = exc.args[0] if exc.args else None
        return failure(exc, "privileges" if code in PRIVILEGES else "create")
    finally:
        connection.close()
    return answer(state="created", name=NAME)


try:
    pymysql.connect(database=NAME, **SERVER).close()
    answer(state="exists", name=NAME)
except pymysql.MySQLError as exc:
    if exc.args and exc.args[0] == UNKNOWN_DATABASE:
        create()
    else:
        failure(exc)
