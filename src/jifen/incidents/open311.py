"""Open311 GeoReport v2 at ``/open311/v2/``, over the same incidents as the API.

Services are the categories in force in a county (``jurisdiction_id`` = the county's
code); service requests are incidents. Any GeoReport v2 client files and follows an
incident with what the specification names, and nothing else:

- ``GET services.json``, ``GET services/{service_code}.json`` — the categories; each
  service's definition has one attribute, ``region``: the code of the community, grid
  or building where it is (``attribute[region]`` in a POST; by default the reporter's
  own community).
- ``POST requests.json`` — ``api_key`` (an API token of the person filing, from
  ``POST /api/v1/auth/token``), ``jurisdiction_id``, ``service_code``, ``description``,
  a location: ``lat`` and ``long``, or ``address_string`` (``address_id`` is ignored;
  ``media_url`` too: the server fetches nothing from outside, an intranet cannot) →
  ``[{"service_request_id", "service_notice", "account_id"}]``, 201.
- ``GET requests.json`` (``service_request_id``, ``service_code``, ``start_date``,
  ``end_date``, ``status``; the last 90 days by default, at most 90 days, at most 1000
  requests) and ``GET requests/{id}.json``.

A request's ``status`` is ``open`` or ``closed`` with ``status_notes`` (the status in
words, and for a closed one why); ``agency_responsible`` is the name of the tier that
handles it now (the grid, the community, the town); ``expected_datetime`` is its
deadline. Times are ISO 8601 with the offset of ``JIFEN_TIME_ZONE``.

Reading needs no key, as the specification has it, but what a resident wrote and where
is theirs and the handlers': without an ``api_key`` that may see the incident, a request
is answered without ``description``, ``address``, ``lat`` and ``long`` (tracking, not
reading). Errors are the specification's: a JSON list of ``{"code", "description"}``
with the same HTTP status. JSON only: ``.xml`` answers 400.
"""

import json
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from jifen.incidents import selectors, services
from jifen.incidents.models import Category, CloseReason, Event, Incident, Status
from jifen.incidents.models import Source as IncidentSource
from jifen.lib.bounds import MAX_ID, date_in_range
from jifen.lib.errors import DomainError
from jifen.people import authz
from jifen.people.auth import person_for_token
from jifen.people.models import Person
from jifen.regions.models import Level, Region

SPAN = timedelta(days=90)
MAX_REQUESTS = 1000


class Refused(Exception):
    """An Open311 error: answered as ``[{"code", "description"}]`` with ``code`` as the
    HTTP status."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code, self.description = code, description


def _answer(body: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(
        json.dumps(body, ensure_ascii=False),
        status=status,
        content_type="application/json; charset=utf-8",
    )


def _refused(code: int, description: str) -> HttpResponse:
    return _answer([{"code": code, "description": description}], code)


def _endpoint(*methods: str) -> Any:
    """Errors in the specification's shape, whatever raised them; only JSON is served;
    no CSRF token (the ``api_key`` authenticates a POST, no cookie does)."""
    return lambda view: _wrap(view, methods)


def _wrap(view: Any, methods: tuple[str, ...]) -> Any:
    def wrapper(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
        try:
            if request.method not in methods:
                response = _refused(405, _("This method is not allowed here."))
                response["Allow"] = ", ".join(methods)
                return response
            if fmt != "json":
                raise Refused(400, _("Only the JSON format is served: use .json."))
            return view(request, *args, **kwargs)  # type: ignore[no-any-return]
        except Refused as refused:
            return _refused(refused.code, refused.description)
        except DomainError as error:
            status = 403 if error.status == 401 else error.status
            text = error.render()
            if error.field:
                text = f"{error.field}: {text}"
            return _refused(status, text)

    wrapper.__name__ = wrapper.__qualname__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return csrf_exempt(wrapper)


# --- Reading the parameters ---------------------------------------------------------------


def _param(data: Any, name: str, limit: int = 200) -> str:
    value = data.get(name, "")
    if not isinstance(value, str):
        value = "" if value is None else str(value)
    value = value.strip()
    if len(value) > limit or "\x00" in value:
        raise Refused(400, _("%(name)s is too long or not text.") % {"name": name})
    return value


def _jurisdiction(data: Any) -> Region:
    """The county named by ``jurisdiction_id``; optional where the server serves one."""
    code = _param(data, "jurisdiction_id", 32)
    counties = Region.objects.filter(level=Level.COUNTY)
    if not code:
        if counties.count() == 1:
            county = counties.first()
            assert county is not None  # noqa: S101 - counted one
            return county
        raise Refused(400, _("jurisdiction_id is required: the county's code."))
    county = counties.filter(code=code).first()
    if county is None:
        raise Refused(404, _("jurisdiction_id %(code)s was not found.") % {"code": code})
    return county


def _person(api_key: str) -> Person:
    if not api_key:
        raise Refused(403, _("api_key was not provided."))
    try:
        person, _token = person_for_token(api_key)
    except DomainError:
        raise Refused(403, _("api_key is not valid or has expired.")) from None
    if person.must_change_password:
        authz.require_own_password(person)
    return person


def _reader(data: Any) -> Person | None:
    """The person behind an optional ``api_key`` of a read."""
    key = _param(data, "api_key", 200)
    return _person(key) if key else None


def _when(data: Any, name: str) -> datetime | None:
    text = _param(data, name, 40)
    if not text:
        return None
    try:
        moment = parse_datetime(text)
    except ValueError:
        moment = None
    if moment is None:
        raise Refused(
            400,
            _("%(name)s must be a W3C date and time: 2026-10-01T00:00:00+08:00.") % {"name": name},
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if not date_in_range(timezone.localdate(moment)):
        raise Refused(400, _("%(name)s must be from 2000 to 2100.") % {"name": name})
    return moment


# --- Shaping --------------------------------------------------------------------------------


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else timezone.localtime(moment).isoformat(timespec="seconds")


def _service(category: Category) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description,
        "metadata": True,
        "type": "realtime",
        "keywords": "",
        "group": category.get_tier_display(),
    }


def _status_notes(incident: Incident, note: str) -> str:
    label = str(incident.get_status_display())
    if incident.status != Status.CLOSED:
        return label
    reason = str(CloseReason(incident.close_reason).label) if incident.close_reason else ""
    return "：".join(part for part in (label, reason, note) if part)


def _closing_notes(incidents: list[Incident]) -> dict[int, str]:
    """The note of the step that closed each closed incident, in one query."""
    closed = [i.pk for i in incidents if i.status == Status.CLOSED]
    notes: dict[int, str] = {}
    for pk, note in (
        Event.objects.filter(incident_id__in=closed, step__in=["verify_ok", "close"])
        .order_by("incident_id", "at", "id")
        .values_list("incident_id", "note")
    ):
        notes[pk] = note  # the last one wins
    return notes


def _request(incident: Incident, full: bool, note: str) -> dict[str, Any]:
    row: dict[str, Any] = {
        "service_request_id": str(incident.pk),
        "status": "closed" if incident.status == Status.CLOSED else "open",
        "status_notes": _status_notes(incident, note),
        "service_name": incident.category.name,
        "service_code": incident.category.code,
        "agency_responsible": incident.handling_region.name,
        "service_notice": "",
        "requested_datetime": _iso(incident.created_at),
        "updated_datetime": _iso(incident.updated_at),
        "expected_datetime": _iso(incident.due_at),
        "address_id": "",
        "zipcode": "",
        "media_url": "",
    }
    if full:
        row |= {
            "description": incident.description,
            "address": incident.address,
            "lat": float(incident.lat) if incident.lat is not None else None,
            "long": float(incident.lng) if incident.lng is not None else None,
        }
    return row


def _shaped(rows: QuerySet[Incident], reader: Person | None) -> list[dict[str, Any]]:
    incidents = list(rows)
    seen: set[int] = set()
    if reader is not None:
        seen = set(
            selectors.visible(reader)
            .filter(pk__in=[i.pk for i in incidents])
            .values_list("pk", flat=True)
        )
    notes = _closing_notes(incidents)
    return [_request(i, i.pk in seen, notes.get(i.pk, "")) for i in incidents]


def _in(county: Region) -> QuerySet[Incident]:
    return Incident.objects.filter(community__path__startswith=county.path).select_related(
        "category", "handling_region"
    )


# --- The endpoints --------------------------------------------------------------------------


@_endpoint("GET")
def service_list(request: HttpRequest) -> HttpResponse:
    """GET services.json: the categories in force in the county."""
    county = _jurisdiction(request.GET)
    return _answer([_service(c) for c in selectors.categories(county)])


@_endpoint("GET")
def service_definition(request: HttpRequest, code: str) -> HttpResponse:
    """GET services/{service_code}.json: where it is (``region``) is the one attribute."""
    county = _jurisdiction(request.GET)
    category = selectors.category(county, code)
    if category is None:
        raise Refused(404, _("service_code %(code)s was not found.") % {"code": code[:32]})
    return _answer(
        {
            "service_code": category.code,
            "attributes": [
                {
                    "variable": True,
                    "code": "region",
                    "datatype": "string",
                    "required": False,
                    "datatype_description": _(
                        "The code of the community, grid or building where it is; by default "
                        "your own community."
                    ),
                    "order": 1,
                    "description": _("Where it is"),
                    "values": [],
                }
            ],
        }
    )


def _post_data(request: HttpRequest) -> Any:
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            raise Refused(400, _("The body is not JSON.")) from None
        if not isinstance(data, dict):
            raise Refused(400, _("The body must be a JSON object."))
        return data
    return request.POST


def _place(data: Any, person: Person, county: Region) -> Region:
    code = _param(data, "attribute[region]", 32)
    if not code and isinstance(data.get("attribute"), dict):  # JSON: {"attribute": {...}}
        code = str(data["attribute"].get("region", ""))[:32]
    if code:
        place = Region.objects.filter(code=code).first()
        if place is None:
            raise Refused(400, _("attribute[region] %(code)s was not found.") % {"code": code})
    elif person.community is not None:
        place = person.community
    else:
        raise Refused(400, _("attribute[region] is required: the code of the place."))
    if not place.is_within(county):
        raise Refused(400, _("This place is not in the jurisdiction."))
    return place


def _create(request: HttpRequest) -> HttpResponse:
    data = _post_data(request)
    person = _person(_param(data, "api_key"))
    county = _jurisdiction(data)
    code = _param(data, "service_code", 32)
    if not code:
        raise Refused(400, _("service_code is required."))
    place = _place(data, person, county)
    if selectors.category(services.community_of(place), code) is None:
        raise Refused(404, _("service_code %(code)s was not found.") % {"code": code})
    lat, lng = _param(data, "lat", 40), _param(data, "long", 40)
    address = _param(data, "address_string", 200)
    if not (lat and lng) and not address:
        raise Refused(400, _("A location is required: lat and long, or address_string."))
    incident = services.report(
        actor=person,
        region=place,
        category=code,
        description=_param(data, "description", 4000),
        address=address,
        lat=lat or None,
        lng=lng or None,
        source=IncidentSource.OPEN311,
    )
    return _answer(
        [{"service_request_id": str(incident.pk), "service_notice": "", "account_id": None}], 201
    )


def _ids(text: str) -> list[int]:
    ids = []
    for part in text.split(","):
        part = part.strip()
        if not part.isdigit() or not 1 <= int(part) <= MAX_ID:
            raise Refused(400, _("service_request_id is a list of numbers, comma delimited."))
        ids.append(int(part))
    if len(ids) > MAX_REQUESTS:
        raise Refused(400, _("At most 1000 service_request_id at a time."))
    return ids


def _search(request: HttpRequest) -> HttpResponse:
    data = request.GET
    county = _jurisdiction(data)
    reader = _reader(data)
    rows = _in(county)
    wanted = _param(data, "service_request_id", 20 * MAX_REQUESTS)
    if wanted:  # "This overrides all other arguments."
        return _answer(_shaped(rows.filter(pk__in=_ids(wanted)).order_by("-id"), reader))
    codes = [c for c in _param(data, "service_code", 2000).split(",") if c.strip()]
    if codes:
        rows = rows.filter(category__code__in=[c.strip() for c in codes])
    statuses = {s.strip() for s in _param(data, "status", 100).split(",") if s.strip()}
    if statuses - {"open", "closed"}:
        raise Refused(400, _("status is open, closed, or both comma delimited."))
    if statuses == {"open"}:
        rows = rows.exclude(status=Status.CLOSED)
    elif statuses == {"closed"}:
        rows = rows.filter(status=Status.CLOSED)
    start, end = _when(data, "start_date"), _when(data, "end_date")
    if start is None and end is None:
        end = timezone.now()
    if start is None:
        assert end is not None  # noqa: S101 - set above
        start = end - SPAN
    if end is None:
        end = start + SPAN
    if end < start or end - start > SPAN:
        raise Refused(400, _("start_date to end_date is at most 90 days, in that order."))
    rows = rows.filter(Q(created_at__gte=start) & Q(created_at__lte=end))
    return _answer(_shaped(rows.order_by("-created_at", "-id")[:MAX_REQUESTS], reader))


@_endpoint("GET", "POST")
def requests(request: HttpRequest) -> HttpResponse:
    """GET requests.json: search; POST requests.json: file a new one."""
    if request.method == "POST":
        return _create(request)
    return _search(request)


@_endpoint("GET")
def request_detail(request: HttpRequest, pk: str) -> HttpResponse:
    """GET requests/{service_request_id}.json: a list holding the one request."""
    county = _jurisdiction(request.GET)
    reader = _reader(request.GET)
    missing = Refused(404, _("service_request_id %(id)s was not found.") % {"id": pk[:20]})
    if not pk.isdigit() or not 1 <= int(pk) <= MAX_ID:
        raise missing
    rows = _in(county).filter(pk=int(pk))
    if not rows:
        raise missing
    return _answer(_shaped(rows, reader))


def refuse_unknown(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Anything else under /open311/v2/: the specification's 404."""
    return _refused(404, _("There is no such Open311 resource."))
