"""Open311 GeoReport v2 (``/open311/v2/``): the specification's paths, each with its format
(``.json``; anything else answers the specification's error)."""

from django.urls import re_path

from jifen.incidents import open311

app_name = "open311"

urlpatterns = [
    re_path(r"^services\.(?P<fmt>[a-z]+)$", open311.service_list, name="services"),
    re_path(
        r"^services/(?P<code>[^/]{1,64})\.(?P<fmt>[a-z]+)$",
        open311.service_definition,
        name="service",
    ),
    re_path(r"^requests\.(?P<fmt>[a-z]+)$", open311.requests, name="requests"),
    re_path(
        r"^requests/(?P<pk>[^/.]{1,40})\.(?P<fmt>[a-z]+)$",
        open311.request_detail,
        name="request",
    ),
    re_path(r"^(?P<rest>.*)$", open311.refuse_unknown),
]
