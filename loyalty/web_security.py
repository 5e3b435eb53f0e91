"""Browser hardening shared by every Flask app of the product (till, kiosk, panel, status, back office,
card page): a strict Content-Security-Policy without inline script, no framing, same-origin referrers,
and cookies marked Secure whenever the request came over HTTPS (behind trusted proxies too).

One place for these rules, so a new page or a new app gets them by calling `init_app`.
"""

from __future__ import annotations

from flask import Flask, Response, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

#: Scripts and everything else only from the app itself; inline style attributes stay allowed (they cannot
#: run code, and a progress bar's width is one).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}


class _SessionOverHttps(SecureCookieSessionInterface):
    """The session cookie is Secure when the request itself was secure."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return super().get_cookie_secure(app) or (has_request_context() and request.is_secure)


def init_app(app: Flask, trusted_proxies: int = 0) -> None:
    """Add the headers to every answer; trust `trusted_proxies` hops of X-Forwarded-For/-Proto/-Host."""
    if trusted_proxies > 0:
        hops = trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    app.session_interface = _SessionOverHttps()

    @app.after_request
    def _harden(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if request.is_secure:
            cookies = response.headers.getlist("Set-Cookie")
            if any("; secure" not in c.lower() for c in cookies):
                del response.headers["Set-Cookie"]
                for cookie in cookies:
                    response.headers.add("Set-Cookie", cookie if "; secure" in cookie.lower() else cookie + "; Secure")
        return response
