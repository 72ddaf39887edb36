import pytest

from jifen.demo.seed_demo import seed_demo
from jifen.demo.seed_party import EMPLOYER, seed
from jifen.party import selectors, services
from jifen.party.models import Report, Service, ServiceStatus, Statement

pytestmark = pytest.mark.django_db


def test_the_demo_has_members_reporting_home_and_a_sealed_record(db):
    seed_demo()  # which seeds the party's demo too
    assert seed() == 0  # once
    statement = Statement.objects.get(organization__name=EMPLOYER)
    assert services.check_published(statement)[0]
    assert services.statement_seal_now(statement) == (
        statement.leaf_count,
        statement.root,
        statement.seal,
    )
    hospital = statement.organization
    assert hospital.organizationmember_set.filter(is_contact=True).exists()
    assert selectors.not_reporting(hospital)
    assert Report.objects.filter(employer=hospital).count() >= 5
    assert list(services.check_statements()) == []
    assert Service.objects.filter(status=ServiceStatus.PENDING).exists()
