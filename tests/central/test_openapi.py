"""The OpenAPI document lists exactly the routes the server answers, with their methods."""

from __future__ import annotations

import re


def test_openapi_matches_the_url_map(app, client):
    document = client.get("/api/openapi.json").json
    assert document["openapi"].startswith("3.")
    served = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
            served.setdefault(path, set()).update(m.lower() for m in rule.methods - {"HEAD", "OPTIONS"})
    documented = {path: set(ops) for path, ops in document["paths"].items()}
    assert documented == served


def test_documented_limits_are_the_enforced_ones(app, client):
    document = client.get("/api/openapi.json").json
    settings = app.extensions["central.settings"]
    push = document["paths"]["/api/sync/push"]["post"]
    schema = push["requestBody"]["content"]["application/json"]["schema"]
    assert schema["properties"]["events"]["maxItems"] == settings.max_batch_events
    for op in (op for ops in document["paths"].values() for op in ops.values()):
        for status, answer in op["responses"].items():
            if status.startswith("4"):
                assert answer == {"$ref": "#/components/responses/Error"}
