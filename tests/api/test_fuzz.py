"""Schemathesis fuzzing of the published OpenAPI spec, in process over ASGI: no input may cause a 5xx.

Bounded on purpose (a few dozen examples per operation, both backends, well under a minute); the same
check can be run longer against a live server with ``schemathesis run http://…/openapi.json``.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable

from tests.fixtures_api import make_api

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
