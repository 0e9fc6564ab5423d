"""Schemathesis over FAB's whole OpenAPI document, as school and college_a, seeded: no operation answers 5xx."""
from __future__ import annotations

import time
from typing import Any

import pytest

from tests.conftest import DEMO_PASSWORD
from tests.security.isolated import in_child, run_in_child

ROLES = ("school", "college_a")
EXAMPLES = 12

if not in_child():

    def test_every_api_operation_survives_generated_input() -> None:
        """The schemathesis run below, in a process with its own database (it approves and rejects at random)."""
        output = run_in_child(__file__)
        assert "passed" in output

else:
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error

    def _token(app: Any, username: str, addr: str) -> dict[str, str]:
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = addr
        response = client.post("/api/v1/security/login",
                               json={"username": username, "password": DEMO_PASSWORD, "provider": "db"})
        assert response.status_code == 200, response.get_data(as_text=True)
        return {"Authorization": f"Bearer {response.get_json()['access_token']}"}

    @pytest.fixture(scope="module")
    def tokens(app: Any) -> dict[str, dict[str, str]]:
        return {role: _token(app, role, f"10.77.0.{i + 1}") for i, role in enumerate(ROLES)}

    @pytest.fixture(scope="module")
    def api_schema(app: Any, tokens: dict[str, dict[str, str]]) -> Any:
        """The complete document FAB generates (only the admin may read it)."""
        schema = schemathesis.openapi.from_wsgi("/api/v1/_openapi", app, headers=_token(app, "admin", "10.77.0.9"))
        paths = schema.raw_schema["paths"]
        assert any(p.startswith("/api/v1/source_review/") for p in paths), sorted(paths)
        return schema

    def _fuzz(operation: Any, mode: Any, tokens: dict[str, dict[str, str]]) -> None:
        @given(operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
        def run(case: Any) -> None:
            for role in ROLES:
                case.call_and_validate(headers=tokens[role], checks=[not_a_server_error])

        run()

    def _fresh_tokens(app: Any) -> dict[str, dict[str, str]]:
        return {role: _token(app, role, f"10.78.0.{i + 1}") for i, role in enumerate(ROLES)}

    def test_api_operations(app: Any, api_schema: Any, tokens: dict[str, dict[str, str]],
                            backstop_hits: list[Any]) -> None:
        """Every documented operation, valid and invalid input, both roles; one report of every failure."""
        failures, labels, timings = [], [], []
        for result in api_schema.get_all_operations():
            operation = result.ok()
            labels.append(operation.label)
            # logging out revokes the token it presents: that operation gets throwaway tokens of its own
            headers = _fresh_tokens(app) if operation.label.endswith("/security/logout") else tokens
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                started = time.perf_counter()
                try:
                    _fuzz(operation, mode, headers)
                except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001  (collect them all, then fail once)
                    failures.append(f"{operation.label} [{mode}]: {str(exc)[:1500]}")
                timings.append((time.perf_counter() - started, f"{operation.label} [{mode}]"))
        print(f"fuzzed {len(labels)} operations: {', '.join(labels)}")
        print("slowest:", sorted(timings, reverse=True)[:6])
        assert len(labels) >= 15, labels
        assert not failures, "\n\n".join(failures)
        assert not backstop_hits, [r.getMessage() for r in backstop_hits]
