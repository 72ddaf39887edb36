"""Disclosures and monthly reports sealed and witnessed: at publication and at each
correction, over title, category, body, table, report, attachments' SHA-256 and version,
chained per region; shown on the public page; their content downloadable to recompute;
``jifen verify --against`` names a changed one (tests/witness/test_against.py)."""

import hashlib
import json

import pytest
from django.test import Client
from django.urls import reverse

from jifen.disclosure import seal as sealing
from jifen.disclosure import services
from jifen.disclosure.models import Attachment, Disclosure
from jifen.witness import selectors as witness
from jifen.witness.models import Entry
from tests.disclosure.conftest import LEASE_TABLE, PDF, png, sections, upload

pytestmark = pytest.mark.django_db


def test_a_published_item_is_sealed_and_witnessed_above_it(world, notice):
    assert len(notice.seal) == 64 and notice.previous_seal == ""
    content = services.sealed_content(notice)
    assert hashlib.sha256(content).hexdigest() == notice.content_root
    parsed = json.loads(content)
    assert parsed["title"] == notice.title and parsed["table"] == notice.table
    assert parsed["table"]["rows"] == LEASE_TABLE["rows"]
    assert parsed["version"] == 1 and parsed["format"] == sealing.FORMAT
    expected = sealing.seal(world.wenchang.code, notice.pk, 1, 0, notice.content_root, "")
    assert notice.seal == expected
    entries = Entry.objects.filter(kind="disclosure", subject=str(notice.pk))
    assert {e.log.region for e in entries} == {world.county, world.town}
    period = notice.published_at.astimezone().strftime("%Y-%m")
    assert witness.witnessed(world.wenchang, "disclosure", period, str(notice.pk), notice.seal)
    assert services.seal_now(notice) == (0, notice.content_root, notice.seal)


def test_attachments_are_sealed_by_their_bytes_and_a_swapped_file_shows(world, media):
    item = services.publish(
        actor=world.staff,
        region=world.wenchang,
        category="projects",
        title="村道硬化验收",
        attachments=[upload("验收单.pdf", PDF, "application/pdf"), upload("现场.png", png())],
    )
    stored = list(item.attachments.order_by("pk"))
    assert [a.sha256 for a in stored] == [hashlib.sha256(PDF).hexdigest(), stored[1].sha256]
    assert json.loads(services.sealed_content(item))["attachments"][0] == {
        "name": "验收单.pdf",
        "sha256": hashlib.sha256(PDF).hexdigest(),
    }
    assert services.seal_now(item)[2] == item.seal
    # The file swapped on disk: the seal no longer recomputes.
    with open(stored[0].file.path, "wb") as handle:
        handle.write(PDF + b"% changed\n")
    assert services.seal_now(item)[2] != item.seal


def test_a_correction_is_a_new_seal_chained_to_the_one_before(world, notice):
    other = services.publish(
        actor=world.staff, region=world.wenchang, category="decisions", title="议定事项"
    )
    assert other.previous_seal == notice.seal
    new = services.correct(actor=world.staff, item=notice, note="面积更正", body="公开招租（更正）")
    assert new.version == 2 and new.seal and new.seal != notice.seal
    assert new.previous_seal == other.seal
    assert json.loads(services.sealed_content(new))["correction_note"] == "面积更正"
    assert Entry.objects.filter(kind="disclosure", subject=str(new.pk)).count() == 2
    # Another region's chain is its own.
    elsewhere = services.publish(
        actor=world.other_staff, region=world.wanmei, category="decisions", title="湾美议定"
    )
    assert elsewhere.previous_seal == ""


def test_a_monthly_report_is_sealed_over_its_sections(world, media):
    report = services.publish_monthly_report(
        actor=world.staff, region=world.wenchang, month="2026-10", sections=sections()
    )
    assert report.seal
    content = json.loads(services.sealed_content(report))
    assert content["kind"] == "monthly_report"
    assert content["report"]["sections"]["income"]["total"] == 1_200_050


def test_a_refused_publication_seals_and_witnesses_nothing(world, media):
    with pytest.raises(Exception):  # noqa: B017 - any refusal
        services.publish(actor=world.resident, region=world.wenchang, category="finance", title="x")
    assert not Entry.objects.exists() and not Disclosure.objects.exists()


def test_the_public_page_shows_the_seal_and_warns_when_content_changed(world, notice, api):
    page = Client().get(reverse("disclosure:item", args=[notice.pk])).content.decode()
    assert notice.seal in page and "data-witnessed" in page and "data-seal-broken" not in page
    body = api().get(f"/public/disclosures/{notice.pk}").json_body
    assert body["seal"]["seal"] == notice.seal and body["seal"]["witnessed"] is True
    assert body["seal"]["content_matches"] is True
    raw = Client().get(f"/api/v1/public/disclosures/{notice.pk}/sealed")
    assert hashlib.sha256(raw.content).hexdigest() == notice.content_root
    # An insider edits the body in the database, without re-sealing: the page says so.
    Disclosure.objects.filter(pk=notice.pk).update(body="公开招租，租金减半。")
    page = Client().get(reverse("disclosure:item", args=[notice.pk])).content.decode()
    assert "data-seal-broken" in page and 'role="alert"' in page
    assert (
        api().get(f"/public/disclosures/{notice.pk}").json_body["seal"]["content_matches"] is False
    )


def test_an_item_published_before_sealing_says_it_is_unsealed(world, notice, api):
    Disclosure.objects.filter(pk=notice.pk).update(seal="", previous_seal="", content_root="")
    page = Client().get(reverse("disclosure:item", args=[notice.pk])).content.decode()
    assert "data-unsealed" in page
    assert api().get(f"/public/disclosures/{notice.pk}").json_body["seal"] is None
    assert Client().get(f"/api/v1/public/disclosures/{notice.pk}/sealed").status_code == 404
    # Its correction is sealed; a kept file with no digest gets one from its bytes.
    Attachment.objects.filter(disclosure=notice).update(sha256="")
    new = services.correct(actor=world.staff, item=notice, note="补充")
    assert new.seal and new.previous_seal == ""


def test_the_pdf_prints_the_seal_and_the_checkpoint(world, notice):
    from jifen.disclosure.pdf import disclosure_pdf

    data = disclosure_pdf(notice, "https://jifen.example/disclosures/1/")
    assert data.startswith(b"%PDF") and witness.checkpoint_line(world.wenchang) is not None


def test_the_audit_row_names_the_seal(world, notice):
    from jifen.audit.models import AuditEvent

    row = AuditEvent.objects.get(action="disclosure.publish", target_id=notice.pk)
    assert row.after["seal"] == notice.seal
    new = services.correct(actor=world.staff, item=notice, note="更正")
    assert AuditEvent.objects.get(action="disclosure.correct", target_id=new.pk).after["seal"] == (
        new.seal
    )


def test_jifen_verify_names_a_disclosure_changed_after_sealing(world, notice):
    from jifen.ops.verify import violations

    assert list(services.check_seals()) == []
    Disclosure.objects.filter(pk=notice.pk).update(body="改过的正文")
    lines = list(violations())
    assert any(f"#{notice.pk}" in line and world.wenchang.code in line for line in lines), lines
    # Outside the region asked about, nothing is said.
    assert list(services.check_seals(world.county.children.exclude(pk=world.town.pk).first())) == []
