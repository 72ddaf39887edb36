"""A console form posted for a community the caller does not cover is refused, and
nothing changes — never applied to the caller's own community instead (which is what
the rules form, the community rules and the star levels used to do: they fell back to
the community the page shows by default).

Staff of 文昌 (``world.staff``) post forms naming 湾美 (350524106001), in the other town.
"""

from django.test import Client
from django.utils import translation

from jifen.audit.models import AuditEvent
from jifen.people.models import Person
from jifen.points.models import CommunityPolicy, RuleVersion
from jifen.publicity.models import PublicityPolicy

WANMEI = "350524106001"
MESSAGE = "You do not cover community %(code)s: nothing was changed."


def client_for(person: Person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def zh(text: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(text)


def refused(response) -> bool:  # type: ignore[no-untyped-def]
    text = response.content.decode() if response.status_code == 200 else ""
    return zh(MESSAGE) % {"code": WANMEI} in text or MESSAGE % {"code": WANMEI} in text


def test_the_rules_form_naming_another_community_is_refused(world) -> None:
    rule = {
        "code": "clean",
        "name": "楼道清扫",
        "category": "环境卫生",
        "unit": "hour",
        "points": "10",
    }
    response = client_for(world.staff).post("/console/rules/", {**rule, "community": WANMEI})
    assert response.status_code == 200
    assert refused(response)
    assert not RuleVersion.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="points.rule").exists()
    # The same form for their own community is saved.
    own = client_for(world.staff).post("/console/rules/", {**rule, "community": "350524100001"})
    assert own.status_code == 302
    assert RuleVersion.objects.get().item.region == world.wenchang


def test_the_community_rules_naming_another_community_are_refused(world) -> None:
    data = {
        "community": WANMEI,
        "referral_enabled": "on",
        "referral_points": "99",
        "team_leader_points": "5",
        "team_min_size": "3",
        "long_term_points": "5",
        "long_term_months": "6",
        "expiry_years": "3",
        "cross_check_points": "50",
        "cross_check_share": "10",
        "claim_max_age_days": "30",
        "appeal_days": "7",
        "attendance_min_share": "50",
    }
    response = client_for(world.staff).post("/console/points/policy/", data, follow=True)
    assert refused(response)
    assert not CommunityPolicy.objects.filter(referral_points=99).exists()


def test_the_star_levels_naming_another_community_are_refused(world) -> None:
    data = {"community": WANMEI, "star_hours": "1,2,3", "certificate_issuer": "冒名"}
    response = client_for(world.staff).post("/console/selection/policy/", data, follow=True)
    assert refused(response)
    assert not PublicityPolicy.objects.exists()
    assert not AuditEvent.objects.filter(action="publicity.policy").exists()
