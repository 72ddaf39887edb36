"""The JSON API at /api/v1/: thin routers over the same services the pages use."""

from typing import Any

from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema

from jifen.activities.api import router as activities_router
from jifen.api import errors
from jifen.api.auth import router as auth_router
from jifen.api.security import TokenAuth
from jifen.claims.api import router as claims_router
from jifen.contests.api import router as contests_router
from jifen.deliberation.api import router as deliberation_router
from jifen.disclosure.api import router as disclosure_router
from jifen.imports.api import router as imports_router
from jifen.inbox.api import router as inbox_router
from jifen.incidents.api import router as incidents_router
from jifen.inspection.api import router as inspection_router
from jifen.messages.api import router as messages_router
from jifen.notices.api import router as notices_router
from jifen.party.api import router as party_router
from jifen.people.api import router as people_router
from jifen.points.api import router as points_router
from jifen.projects.api import router as projects_router
from jifen.property_review.api import router as property_review_router
from jifen.publicity.api import router as publicity_router
from jifen.regions.api import router as regions_router
from jifen.requests.api import router as requests_router
from jifen.shop.api import router as shop_router
from jifen.units.api import router as units_router
from jifen.witness.api import router as witness_router


class JifenAPI(NinjaAPI):
    """The API whose OpenAPI documents every error answer of every operation (the error
    shape, with the statuses it can give: api.errors.error_statuses)."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        errors.document(schema)
        return schema


api = JifenAPI(
    title="Jifen API",
    version="1",
    description="社区志愿服务积分 API — every point counted, checked and verifiable.",
    auth=TokenAuth(),
    urls_namespace="api",
)
errors.install(api)
api.add_router("/auth", auth_router)
api.add_router("/", people_router)
api.add_router("/regions", regions_router)
api.add_router("/", points_router)
api.add_router("/", claims_router)
api.add_router("/", activities_router)
api.add_router("/", shop_router)
api.add_router("/", publicity_router)
api.add_router("/", notices_router)
api.add_router("/", inbox_router)
api.add_router("/", imports_router)
api.add_router("/", requests_router)
api.add_router("/", incidents_router)
api.add_router("/", disclosure_router)
api.add_router("/", messages_router)
api.add_router("/", deliberation_router)
api.add_router("/", inspection_router)
api.add_router("/", witness_router)
api.add_router("/", units_router)
api.add_router("/", projects_router)
api.add_router("/", party_router)
api.add_router("/", contests_router)
api.add_router("/", property_review_router)
