"""Security headers on every response, and trusting a reverse proxy's X-Forwarded-* headers."""

from __future__ import annotations

from flask import Flask, Response, current_app
from werkzeug.middleware.proxy_fix import ProxyFix


def init_app(app: Flask) -> None:
    proxies = {
        f"x_{header}": app.config[f"PROXY_FIX_X_{header.upper()}"]
        for header in ("for", "proto", "host", "port", "prefix")
    }
    # Only when configured: trusting X-Forwarded-For without a proxy that sets it would let any
    # client choose its own IP address (and scheme).
    if any(proxies.values()):
        app.wsgi_app = ProxyFix(app.wsgi_app, **proxies)
    app.after_request(set_security_headers)


def set_security_headers(response: Response) -> Response:
    config = current_app.config
    headers = response.headers
    headers.setdefault("Content-Security-Policy", config["CONTENT_SECURITY_POLICY"])
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if config["HSTS_SECONDS"]:
        # Browsers ignore it over plain HTTP, so `webkit serve --prod` on localhost still works.
        headers.setdefault("Strict-Transport-Security", f"max-age={config['HSTS_SECONDS']}")
    return response
