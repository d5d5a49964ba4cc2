from __future__ import annotations

import logging


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_when_the_database_does_not_answer(make_app, tmp_path, caplog):
    # A SQLite file in a directory that does not exist cannot be opened.
    url = f"sqlite:///{tmp_path / 'missing' / 'app.db'}"
    app = make_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url})
    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "error", "database": "error"}
    assert "the database did not answer" in caplog.text
