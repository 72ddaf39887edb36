"""``jifen verify`` reports what it cannot check as a violation line and exits 1: it never
dies with a traceback, whatever an operator or a disk did to the stored rows."""

import pytest
from django.core.management import call_command

from jifen.points import verify as verify_module
from jifen.publicity.models import Announcement
from tests.publicity import test_tamper
from tests.publicity.test_tamper import Sealed, raw, verify

pytestmark = pytest.mark.django_db

sealed = test_tamper.sealed  # the tampering tests' sealed months, as a fixture here too


@pytest.mark.parametrize(
    "blob",
    [b"\x00\x01\x02", b"\xff" * 41, "not a blob at all", b""],
    ids=["short", "misaligned", "text", "empty"],
)
def test_a_corrupted_seal_leaves_blob_is_a_violation_line(sealed: Sealed, blob):
    raw("UPDATE publicity_announcement SET leaves = %s WHERE id = %s", [blob, sealed.last.pk])
    code, lines = verify()
    assert code == 1, lines
    where = sealed.where(sealed.months.last)
    assert any(line.startswith(f"{where}: ") for line in lines), "\n".join(lines)
    # The other months are still checked, and clean.
    assert not [line for line in lines if line.startswith(sealed.where(sealed.months.before))]


def test_a_check_that_fails_is_a_violation_line_naming_it(sealed: Sealed, monkeypatch):
    def broken(region=None):  # type: ignore[no-untyped-def]
        yield "balance mismatch: account 1 (person) stores 1, its transfers give 2"
        raise OverflowError("integer overflow")

    monkeypatch.setattr(verify_module, "CHECKS", (("balances", broken), *verify_module.CHECKS[1:]))
    code, lines = verify()
    assert code == 1
    assert "balance mismatch: account 1 (person) stores 1, its transfers give 2" in lines
    assert any(
        line.startswith("check balances could not finish: OverflowError") for line in lines
    ), lines
    # The checks after it still ran: a tampered month is still found.
    Announcement.objects.filter(pk=sealed.last.pk).update(root="0" * 64)
    code, lines = verify()
    assert any(line.startswith(sealed.where(sealed.months.last)) for line in lines), lines


def test_verify_exits_1_without_a_traceback(sealed: Sealed, capsys):
    raw("UPDATE publicity_announcement SET leaves = %s WHERE id = %s", ["x", sealed.last.pk])
    with pytest.raises(SystemExit) as exit_:
        call_command("verify")
    assert exit_.value.code == 1
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize(
    "totals, ranking",
    [
        ('{"issued": "x", "people": [1]}', '[{"place": "1"}, 7]'),
        ('{"issued": 1e300}', '"not a list"'),
        ('["no", "object"]', '[{"place": 1, "name": "王*", "volunteer_no": "1", "points": 5}]'),
    ],
    ids=["text", "float", "list"],
)
def test_unreadable_totals_or_ranking_answer_the_public_api_not_a_500(
    sealed: Sealed, client, totals, ranking
):
    raw(
        "UPDATE publicity_announcement SET totals = %s, ranking = %s WHERE id = %s",
        [totals, ranking, sealed.last.pk],
    )
    code = sealed.last.community.code
    listed = client.get(f"/api/v1/public/announcements?community={code}")
    assert listed.status_code == 200, listed.content
    item = next(i for i in listed.json()["items"] if i["id"] == sealed.last.pk)
    assert item["totals"] is None
    assert all(isinstance(row["place"], int) for row in item["ranking"])
    one = client.get(f"/api/v1/public/announcements/{sealed.last.pk}")
    assert one.status_code == 200, one.content
    assert one.json()["totals"] is None
    # The other months still answer their totals.
    assert any(i["totals"] for i in listed.json()["items"] if i["id"] != sealed.last.pk)
