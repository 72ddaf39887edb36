"""What waits for whom: staff's needs nobody took and projects with overdue milestones,
a unit contact's milestones due — and the console's list filtered to the overdue ones."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jifen.projects import selectors, services
from jifen.projects.models import Milestone
from tests.conftest import PASSWORD
from tests.projects.conftest import led, make_need, published

pytestmark = pytest.mark.django_db


def test_staff_and_contacts_see_what_waits_for_them(world, units):
    today = timezone.localdate()
    make_need(world)
    taken = make_need(world, "已认领")
    services.claim_need(actor=units.party_member, need=taken)
    assert selectors.needs_unmatched(world.staff).count == 1
    assert selectors.needs_unmatched(world.other_staff).count == 0
    late = led(world, units)
    Milestone.objects.filter(pk=late.milestones.first().pk).update(due_on=today - timedelta(3))
    published(world, units)  # not running: its milestones wait for nobody
    overdue = selectors.projects_overdue(world.staff)
    assert overdue.count == 1
    assert overdue.oldest_at is not None
    assert timezone.localtime(overdue.oldest_at).date() == today - timedelta(2)
    assert selectors.projects_overdue(world.other_staff).count == 0
    due = selectors.milestones_due(units.clinic_contact)
    assert due.count == 1  # the overdue one; the other is due in 12 days
    assert selectors.milestones_due(units.bank_contact).count == 0
    services.report_milestone(actor=units.clinic_contact, milestone=late.milestones.first())
    assert selectors.projects_overdue(world.staff).count == 0
    assert selectors.milestones_due(units.clinic_contact).count == 0

    client = Client()
    assert client.login(username=world.staff.phone, password=PASSWORD)
    Milestone.objects.filter(pk=late.milestones.last().pk).update(due_on=today - timedelta(1))
    page = client.get(reverse("projects:console_lists"), {"tab": "projects", "overdue": "on"})
    html = page.content.decode()
    assert f'data-project="{late.pk}"' in html
    assert html.count("data-project=") == 1
