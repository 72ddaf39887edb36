import json
from typing import Any

import pytest
from django.test import Client

from jifen.people.auth import issue_token
from jifen.people.models import Person


class ApiClient:
    """Calls /api/v1 with JSON, as a given person or anonymously."""

    def __init__(self, person: Person | None = None, language: str = "zh-hans") -> None:
        self.client = Client(HTTP_ACCEPT_LANGUAGE=language)
        self.headers: dict[str, str] = {}
        if person is not None:
            self.headers["Authorization"] = f"Bearer {issue_token(person=person)}"

    def _call(
        self, method: str, path: str, body: Any = None, raw: str | None = None, **headers: str
    ) -> Any:
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        response = getattr(self.client, method)(
            f"/api/v1{path}",
            data=data,
            content_type="application/json",
            headers={**self.headers, **headers},
        )
        response.json_body = response.json() if response.content else None
        return response

    def get(self, path: str, **headers: str) -> Any:
        return self._call("get", path, **headers)

    def post(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self._call("post", path, body, **kw)

    def delete(self, path: str, **headers: str) -> Any:
        return self._call("delete", path, **headers)


@pytest.fixture
def api() -> type[ApiClient]:
    return ApiClient


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    return error
