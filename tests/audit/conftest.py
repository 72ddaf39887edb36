from tests.web.conftest import as_person  # noqa: F401 - the logged-in browser fixture
