from django.test import Client


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
