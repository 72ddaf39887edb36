"""The public 公示 and the page its QR opens hold the month's seal against the one the
county's checkpoint took at publication: an announcement whose seal was rewritten without
the log (a half-done insider rewrite) is shown in red, and the verify page prints the
sealed totals, the seal's last line, so the seal can be recomputed from the page."""

import pytest
from django.test import Client

from jifen.publicity import seal
from jifen.publicity.models import Announcement
from jifen.witness.models import Entry

pytestmark = pytest.mark.django_db


def test_an_untouched_month_is_in_the_checkpoint_on_both_pages(published: Announcement):
    client = Client()
    page = client.get(f"/public/announcements/{published.pk}/")
    assert page.status_code == 200
    assert b'data-witnessed="no"' not in page.content
    check = client.get(f"/verify/announcements/{published.pk}/")
    assert check.status_code == 200
    html = check.content.decode()
    assert 'data-check="witnessed"' in html and "check-bad" not in html
    line = seal.totals_line(published.totals)
    assert f"data-totals-line>{line}<" in html


def test_a_seal_rewritten_without_the_log_is_shown_in_red(published: Announcement):
    Announcement.objects.filter(pk=published.pk).update(seal="f" * 64)
    client = Client()
    page = client.get(f"/public/announcements/{published.pk}/")
    assert page.status_code == 200 and b'data-witnessed="no"' in page.content
    check = client.get(f"/verify/announcements/{published.pk}/").content.decode()
    witnessed = check.split('data-check="witnessed"', 1)[1].split("</li>", 1)[0]
    assert "check-bad" in witnessed


def test_a_month_sealed_before_checkpoints_says_nothing_of_them(published: Announcement):
    Entry.objects.all().delete()
    client = Client()
    page = client.get(f"/public/announcements/{published.pk}/")
    assert page.status_code == 200 and b'data-witnessed="no"' not in page.content
    check = client.get(f"/verify/announcements/{published.pk}/").content.decode()
    assert 'data-check="witnessed"' not in check
