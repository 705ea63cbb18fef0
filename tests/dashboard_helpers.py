"""Logging in to the dashboard as a browser does: the form first (it sets the CSRF cookie), then the POST."""

from __future__ import annotations

import re

_TOKEN = re.compile(r'name="csrf" value="([^"]*)"')


def csrf_token(client, page: str = "/dashboard/login") -> str:
    r = client.get(page)
    m = _TOKEN.search(r.text)
    assert m, f"no CSRF token on {page}"
    return m.group(1)


def login(client, key: str, next_url: str | None = None, **kw):
    data = {"key": key, "csrf": csrf_token(client)}
    if next_url is not None:
        data["next"] = next_url
    return client.post("/dashboard/login", data=data, **kw)
