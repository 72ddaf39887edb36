"""A sealed statement changed behind Jifen's back (its stored rows edited in the database):
``jifen verify`` names it, the unit's page says so and its PDF is not printed as if sealed,
and the public check shows the lines no longer lead to the seal."""

import pytest
from django.test import Client
from django.urls import reverse

from jifen.ops.verify import violations
from jifen.party import services
from jifen.party.models import Statement
from jifen.publicity.seal import pack_leaves
from tests.conftest import PASSWORD
from tests.party.conftest import SATURDAY, reporting, served

pytestmark = pytest.mark.django_db


def _sealed(world, unit) -> Statement:
    reporting(world, unit)
    served(world, unit, SATURDAY, hours="3")
    return services.statement(actor=unit.contact, organization=unit.employer, quarter="2026Q3")


def _contact(unit) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.login(username=unit.contact.phone, password=PASSWORD)
    return client


def test_an_untouched_statement_holds(world, unit):
    _sealed(world, unit)
    assert list(services.check_statements()) == []
    assert list(services.check_statements(world.county)) == []


def test_rows_changed_in_the_database_are_named_by_verify_and_the_pages(world, unit):
    statement = _sealed(world, unit)
    lines = statement.lines
    assert lines[0]["points"] == 30
    lines[0]["points"] = 300
    Statement.objects.filter(pk=statement.pk).update(lines=lines)
    found = list(services.check_statements())
    assert found and all(line.startswith(f"statement {unit.employer.pk} 2026Q3") for line in found)
    assert any("seal" in line for line in found)
    # The unit's page says so; its PDF is not printed as the sealed record.
    client = _contact(unit)
    page = client.get(reverse("party:statement", args=[unit.employer.pk, "2026Q3"]))
    assert page.status_code == 200 and 'data-matches="false"' in page.content.decode()
    pdf = client.get(reverse("party:statement_pdf", args=[unit.employer.pk, "2026Q3"]))
    assert pdf.status_code == 302 and not pdf.content.startswith(b"%PDF")
    # The public check too.
    public = Client().get(reverse("party:public_statement", args=[statement.pk]))
    assert 'data-matches="false"' in public.content.decode()


def test_rows_root_seal_and_leaves_rewritten_together_are_not_the_witnessed_seal(world, unit):
    statement = _sealed(world, unit)
    lines = statement.lines
    lines[0]["points"] = 300
    leaves, root_hex, seal = services.sealing.sealed(
        statement.organization_id,
        statement.quarter,
        [services.sealing.public(line) for line in lines],
        statement.previous_seal,
    )
    Statement.objects.filter(pk=statement.pk).update(
        lines=lines, root=root_hex, seal=seal, leaves=pack_leaves(list(range(len(leaves))), leaves)
    )
    found = list(services.check_statements())
    assert len(found) == 1 and "witnessed" in found[0]


def test_a_broken_chain_is_named(world, unit):
    first = _sealed(world, unit)
    Statement.objects.filter(pk=first.pk).update(previous_seal="ab" * 32)
    found = list(services.check_statements())
    assert any("chains to" in line for line in found)


def test_unreadable_rows_are_a_line_not_a_crash(world, unit):
    statement = _sealed(world, unit)
    Statement.objects.filter(pk=statement.pk).update(lines=[{"kind": "member"}])
    found = list(services.check_statements())
    assert found and "cannot be read" in found[0]


def test_jifen_verify_runs_the_statement_check(world, unit):
    statement = _sealed(world, unit)
    lines = statement.lines
    lines[0]["points"] = 300
    Statement.objects.filter(pk=statement.pk).update(lines=lines)
    assert any("statement" in line for line in violations())


def test_a_rewritten_seal_is_shown_as_not_the_witnessed_one(world, unit):
    statement = _sealed(world, unit)
    lines = statement.lines
    lines[0]["points"] = 300
    leaves, root_hex, seal = services.sealing.sealed(
        statement.organization_id,
        statement.quarter,
        [services.sealing.public(line) for line in lines],
        statement.previous_seal,
    )
    Statement.objects.filter(pk=statement.pk).update(
        lines=lines, root=root_hex, seal=seal, leaves=pack_leaves(list(range(len(leaves))), leaves)
    )
    url = reverse("party:public_statement", args=[statement.pk])
    html = Client().get(f"{url}?seal={seal}").content.decode()
    assert 'data-witnessed="false"' in html and 'data-held="false"' in html
    assert 'class="party-ok"' not in html
    client = _contact(unit)
    page = client.get(reverse("party:statement", args=[unit.employer.pk, "2026Q3"]))
    assert 'data-matches="false"' in page.content.decode()
    pdf = client.get(reverse("party:statement_pdf", args=[unit.employer.pk, "2026Q3"]))
    assert pdf.status_code == 302


def test_an_untouched_statement_is_shown_witnessed(world, unit):
    statement = _sealed(world, unit)
    url = reverse("party:public_statement", args=[statement.pk])
    html = Client().get(f"{url}?seal={statement.seal}").content.decode()
    assert 'data-witnessed="true"' in html and 'data-held="true"' in html
    assert 'data-witnessed="false"' not in html
