from typing import Any

from django.core.management.base import CommandError

from jifen.lib.commands import JifenCommand
from jifen.people.models import Person, Role
from jifen.people.services import grant_role
from jifen.people.validation import clean_phone
from jifen.regions.selectors import get_region


class Command(JifenCommand):
    help = "Give an existing person a role over a region."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--phone", required=True)
        parser.add_argument("--staff", required=True, choices=Role.values, help="the role")
        parser.add_argument("--region", required=True, help="code of the region")

    def handle_jifen(self, *args: Any, **options: Any) -> None:
        person = Person.objects.filter(phone=clean_phone(options["phone"])).first()
        if person is None:
            raise CommandError("no person has that phone number")
        grant = grant_role(
            actor=None, person=person, role=options["staff"], region=get_region(options["region"])
        )
        self.stdout.write(f"{person.name}: {grant.role} @ {grant.region.code}")
