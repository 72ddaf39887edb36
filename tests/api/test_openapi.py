import importlib
import inspect
import pkgutil

from django.test import Client
from ninja import Schema

import jifen


def test_the_openapi_document_lists_the_contract_paths(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    paths = response.json()["paths"]
    for path in (
        "/api/v1/me",
        "/api/v1/people",
        "/api/v1/people/{person_id}",
        "/api/v1/auth/token",
    ):
        assert path in paths, path
    assert {"post", "delete"} <= set(paths["/api/v1/auth/token"])
    assert "post" in paths["/api/v1/people"]
    assert "get" in paths["/api/v1/people/{person_id}"]


def test_the_human_docs_are_served(db):
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    assert b"openapi.json" in response.content


def test_every_operation_documents_its_error_answers_in_the_error_shape(db):
    schema = Client().get("/api/v1/openapi.json").json()
    assert "Error" in schema["components"]["schemas"]
    error_ref = {"$ref": "#/components/schemas/Error"}
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            errors = {int(s): r for s, r in operation["responses"].items() if int(s) >= 400}
            assert errors, (method, path)
            for status, response in errors.items():
                assert response["content"]["application/json"]["schema"] == error_ref, (
                    method,
                    path,
                    status,
                )
            if operation.get("security"):
                assert {401, 403} <= set(errors), (method, path)
            if method != "get":
                assert {400, 409, 413} <= set(errors), (method, path)
    adjustments = schema["paths"]["/api/v1/adjustments"]["post"]["responses"]
    assert {"400", "401", "403", "404", "409", "413", "429"} <= set(adjustments)


def test_no_two_schemas_of_the_api_share_a_name():
    """The OpenAPI document keys its schemas by class name: two classes of one name (a
    claims and an imports ``BatchOut``) made one of them describe the other's answers."""

    seen: dict[str, str] = {}
    clashes = []
    for module_info in pkgutil.walk_packages(jifen.__path__, "jifen."):
        if not module_info.name.endswith(".api"):
            continue
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, Schema)
                and value.__module__ == module.__name__
            ):
                if name in seen and seen[name] != module.__name__:
                    clashes.append(f"{name}: {seen[name]} and {module.__name__}")
                seen.setdefault(name, module.__name__)
    assert not clashes, clashes
