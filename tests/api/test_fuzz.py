"""Schemathesis fuzzing of the published OpenAPI spec, in process over ASGI: no input may cause a 5xx.

Bounded on purpose (a few dozen examples per operation, both backends, well under a minute); the same
check can be run longer against a live server with ``schemathesis run http://…/openapi.json``.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable

from tests.api_data import make_api

pytest_plugins = ["tests.fixtures_api"]

EXAMPLES = 30


def test_no_input_causes_a_server_error(catalog_url, tmp_path):
    api = make_api(catalog_url, tmp_path, rate=10**9)
    failures: list[str] = []
    statuses: list[int] = []
    with api.client:
        schema = schemathesis.openapi.from_asgi("/openapi.json", api.client.app)
        ops = [r.ok() for r in schema.get_all_operations()]
        assert {op.path for op in ops} >= {"/v1/reuse-check", "/v1/search", "/v1/documents/{doc_code}/file"}
        for op in ops:
            for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
                _fuzz(op, mode, api, failures, statuses)
    api.catalog.close()
    assert not failures, "\n".join(failures[:10])
    assert len(statuses) >= 5 * len(ops) and any(200 <= c < 300 for c in statuses) and 422 in statuses
    print(f"fuzzed {len(statuses)} requests: " + ", ".join(f"{c}×{statuses.count(c)}" for c in sorted(set(statuses))))


def _fuzz(op, mode, api, failures: list[str], statuses: list[int]) -> None:
    @given(case=op.as_strategy(mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        response = case.call(headers={"X-API-Key": api.keys["all"]})
        statuses.append(response.status_code)
        if response.status_code >= 500:
            failures.append(f"{op.method.upper()} {op.path}: {response.status_code} for {case.as_curl_command()}")

    try:
        run()
    except Unsatisfiable:  # an operation without parameters has no invalid input to make
        assert mode == schemathesis.GenerationMode.NEGATIVE and not op.path.startswith("/v1/")


@pytest.mark.parametrize("path", ["/v1/reuse-check"])
def test_fuzzing_reaches_the_handler(sqlite_api, path):
    """The fuzzer is worth something only if its requests get past auth: check one by hand."""
    r = sqlite_api.client.post(
        path, json={"owner_id": "037096014589", "required_types": ["GKS"]}, headers=sqlite_api.h("all")
    )
    assert r.status_code == 200


def test_successful_answers_match_the_published_models(sqlite_api):
    """Handlers build their JSON by hand (speed): every 2xx answer must still match the OpenAPI response models."""
    from tests.api_data import CITIZEN, code

    schema = schemathesis.openapi.from_asgi("/openapi.json", sqlite_api.client.app)
    c, h = sqlite_api.client, sqlite_api.h("all")
    calls = [
        (
            "/v1/reuse-check",
            "POST",
            c.post("/v1/reuse-check", json={"owner_id": CITIZEN, "procedure_code": "1.000894"}, headers=h),
        ),
        ("/v1/owners/{owner_id}/documents", "GET", c.get(f"/v1/owners/{CITIZEN}/documents", headers=h)),
        ("/v1/documents/{doc_code}", "GET", c.get(f"/v1/documents/{code(1)}", headers=h)),
        ("/v1/search", "GET", c.get("/v1/search", params={"q": "ninh binh"}, headers=h)),
        ("/v1/reuse-check", "POST", c.post("/v1/reuse-check", json={"owner_id": "1"}, headers=h)),  # error shape too
    ]
    for path, method, response in calls:
        assert response.status_code in (200, 400), response.text
        assert schema[path][method].is_valid_response(response), (path, response.text)
    assert calls[0][2].json()["papers"][0]["document"]  # the check saw a full answer, documents included
