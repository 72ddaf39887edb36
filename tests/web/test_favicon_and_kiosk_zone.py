"""Every page names Jifen's own icon (no 404 for /favicon.ico in the log, a recognisable
tab), and the big screen's clock is told the server's zone (JIFEN_TIME_ZONE) so it agrees
with its "Updated" time whatever zone the screen's browser is set to."""

import re

from django.contrib.staticfiles import finders
from django.test import Client, override_settings

from tests.conftest import World

ICON = re.compile(r'<link rel="icon" href="([^"]+favicon\.svg)" type="image/svg\+xml">')


def test_every_kind_of_page_links_the_favicon(world: World):
    pages = ["/login/", "/shop/", f"/kiosk/{world.wenchang.code}/"]
    pages.append(f"/shop/screen/{world.wenchang.code}/")
    for url in pages:
        text = Client().get(url).content.decode()
        assert ICON.search(text), url
    assert finders.find("jifen/favicon.svg")
    with open(finders.find("jifen/favicon.svg"), encoding="utf-8") as svg:
        assert svg.read().startswith("<svg")


@override_settings(TIME_ZONE="Asia/Shanghai")
def test_the_kiosk_tells_its_script_the_servers_zone(world: World):
    text = Client().get(f"/kiosk/{world.wenchang.code}/").content.decode()
    assert 'data-tz="Asia/Shanghai"' in text
    assert 'data-tz-offset="+0800"' in text


@override_settings(TIME_ZONE="Europe/Berlin")
def test_the_kiosk_zone_follows_the_setting(world: World):
    text = Client().get(f"/kiosk/{world.wenchang.code}/").content.decode()
    assert 'data-tz="Europe/Berlin"' in text
    assert re.search(r'data-tz-offset="\+0[12]00"', text)
