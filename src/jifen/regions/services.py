import re

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from jifen.audit.services import record
from jifen.lib.errors import Conflict, InvalidInput, PermissionDenied
from jifen.people import authz
from jifen.people.models import Person
from jifen.regions.models import LEVEL_RANK, Level, Region
from jifen.regions.selectors import get_region

CODE_RE = re.compile(r"^[0-9A-Za-z_-]{1,32}$")


@transaction.atomic
def add_region(
    *, actor: Person | None, code: str, name: str, level: str, parent_code: str | None = None
) -> Region:
    """Add a region under ``parent_code`` (or a new top); ``actor=None`` is the operator."""
    code, name = code.strip(), name.strip()
    if not CODE_RE.match(code):
        raise InvalidInput(
            _("A region code has 1 to 32 letters, digits, '-' or '_' (division codes fit)."),
            code="invalid_code",
            field="code",
        )
    if not name or len(name) > 100:
        raise InvalidInput(_("Please enter a name of 1 to 100 characters."), field="name")
    if level not in Level.values:
        raise InvalidInput(
            _("Unknown level %(level)s; use one of %(levels)s."),
            code="invalid_level",
            field="level",
            params={"level": level, "levels": ", ".join(Level.values)},
        )
    parent = get_region(parent_code) if parent_code else None
    if parent is None:
        # A new top of the tree is for the operator or a top-level administrator.
        if actor is not None and not authz.is_global_admin(actor):
            raise PermissionDenied()
        path = f"/{code}/"
    else:
        if actor is not None:
            authz.require(actor, authz.ADD_REGION, parent)
        if LEVEL_RANK[level] <= parent.rank:
            raise InvalidInput(
                _("A %(level)s cannot sit under %(parent)s (a %(parent_level)s)."),
                code="invalid_level",
                field="level",
                params={
                    "level": Level(level).label,
                    "parent": parent.name,
                    "parent_level": parent.get_level_display(),
                },
            )
        path = f"{parent.path}{code}/"
    if Region.objects.filter(code=code).exists():
        raise Conflict(
            _("The region code %(code)s is already used."),
            code="code_taken",
            field="code",
            params={"code": code},
        )
    try:
        with transaction.atomic():
            region = Region.objects.create(
                code=code, name=name, level=level, parent=parent, path=path
            )
    except IntegrityError:
        raise Conflict(
            _("The region code %(code)s is already used."),
            code="code_taken",
            field="code",
            params={"code": code},
        ) from None
    record(
        actor=actor,
        action="region.add",
        target=region,
        region=region,
        after={
            "code": code,
            "name": name,
            "level": level,
            "parent": parent.code if parent else None,
        },
    )
    return region
