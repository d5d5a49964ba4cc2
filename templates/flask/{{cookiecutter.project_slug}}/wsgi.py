"""The WSGI entry point: `gunicorn -c gunicorn.conf.py` (or any WSGI server) serves `app`."""

from pathlib import Path

from dotenv import load_dotenv

from {{ cookiecutter.package_name }} import create_app

# `flask` loads .env by itself; other servers do not. Variables already set in the environment
# win over the file, and without the file this does nothing.
load_dotenv(Path(__file__).with_name(".env"))

app = create_app()
