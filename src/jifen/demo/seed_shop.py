"""Demo points supermarket (积分超市) and merchant alliance (商居联盟), through the real
shop services: 文昌社区 and 湾美社区 each with a clearly priced list of goods, services,
an honour and a voucher; a county-wide item; a partner restaurant's offer; orders in
every state at the counter; and 湾美's quarterly redemption window (一季一兑换).

文昌, where the demo volunteer lives, stays open every day, so the demo volunteer can
redeem at once; they have one order waiting for pickup and one handed over, and points
left to try another. Orders are placed only when the holder can afford them, so the
demo never depends on the exact points the months of service gave.
"""

import io
from typing import Any

from django.db import transaction
from PIL import Image, ImageDraw, ImageFont

from jifen.activities.cards import card_code
from jifen.lib.pdf import BUNDLED as FONT
from jifen.people import services as people
from jifen.people.models import Merchant, Person
from jifen.points.selectors import balance_of
from jifen.points.services import update_policy
from jifen.regions.models import Region
from jifen.shop import presence, services
from jifen.shop.models import Item, Kind, LimitPeriod, Redemption

WENCHANG, WANMEI, COUNTY = "350524100001", "350524106001", "350524"

# name, kind, points, stock, limit per person (None: none), limit period, sponsor, description
G, SV, H, V = Kind.GOODS, Kind.SERVICE, Kind.HONOUR, Kind.VOUCHER
M, Q, Y = LimitPeriod.MONTH, LimitPeriod.QUARTER, LimitPeriod.YEAR
COMMUNITY_ITEMS = [
    ("大米 5kg", G, 200, 40, 1, M, "凤城粮油店", "当季新米，每户每月限兑一袋。"),
    ("食用油 5L", G, 150, 30, 1, M, "", "花生油，社区党群服务中心领取。"),
    ("洗衣液 2kg", G, 80, 50, 2, M, "", ""),
    ("洗洁精", G, 30, 80, 2, M, "", ""),
    ("义剪服务", SV, 50, 100, 1, M, "文昌爱心理发店", "每月第二个周六上午，党群服务中心一楼。"),
    ("免费体检", SV, 120, 20, 1, Y, "县人民医院", "血压、血糖、心电图等基础项目，凭核销码预约。"),
    ("荣誉表彰资格", H, 500, 5, 1, Y, "", "年度优秀志愿者评选推荐资格，由积分管理小组审定。"),
    ("5元物品券", V, 50, 100, 3, M, "江滨便民超市", "在江滨便民超市购物抵用5元。"),
]
# 湾美's own sponsors where they differ from 文昌's.
WANMEI_SPONSORS = {"义剪服务": "睦邻理发室", "免费体检": "参内镇卫生院", "5元物品券": ""}
COUNTY_ITEM = (
    "志愿服务纪念徽章",
    H,
    20,
    500,
    1,
    Y,
    "安溪县志愿服务联合会",
    "全县通用，在本社区积分超市领取。",
)
RESTAURANT = ("文昌邻里餐馆", "文昌路26号")
RESTAURANT_OFFER = (
    "100积分兑换8折餐券",
    V,
    100,
    50,
    2,
    M,
    "文昌邻里餐馆",
    "堂食使用，不与其他优惠同享。",
)


def _terms(row: tuple[Any, ...], **changes: object) -> services.ItemTerms:
    name, kind, points, stock, limit, period, sponsor, description = row
    values: dict[str, Any] = {
        "name": name,
        "kind": kind,
        "points": points,
        "stock": stock,
        "per_person_limit": limit,
        "limit_period": period,
        "sponsor": sponsor,
        "description": description,
    }
    values.update(changes)
    return services.ItemTerms(**values)


# A picture for each demo item, drawn here (nothing is downloaded): the kind's colour and
# the item's first two characters, in the font the PDFs use.
KIND_COLOURS: dict[str, tuple[int, int, int]] = {
    G: (198, 40, 40),
    SV: (46, 125, 50),
    H: (191, 144, 0),
    V: (21, 101, 192),
}
PICTURE_PX = 192


def picture(name: str, kind: str) -> io.BytesIO:
    """A small square PNG standing for the item, as an upload for ``set_item_image``."""
    image = Image.new("RGB", (PICTURE_PX, PICTURE_PX), (250, 246, 240))
    draw = ImageDraw.Draw(image)
    colour = KIND_COLOURS.get(kind, (120, 120, 120))
    draw.rounded_rectangle((12, 12, PICTURE_PX - 12, PICTURE_PX - 12), radius=28, fill=colour)
    label = "".join(ch for ch in name if not ch.isspace())[:2]
    font = ImageFont.truetype(str(FONT), 64)
    draw.text((PICTURE_PX / 2, PICTURE_PX / 2), label, font=font, fill="white", anchor="mm")
    out = io.BytesIO()
    image.save(out, "PNG")
    out.seek(0)
    out.name = "item.png"
    return out


def _with_picture(actor: Person, item: Item) -> Item:
    return services.set_item_image(actor=actor, item=item, upload=picture(item.name, item.kind))


def _affords(person: Person, item: Item, quantity: int = 1) -> bool:
    return balance_of(person).balance >= item.points * quantity


@transaction.atomic
def seed_demo_shop(volunteers: dict[str, list[Person]]) -> None:
    wenchang = Region.objects.get(code=WENCHANG)
    if Item.objects.filter(region=wenchang, merchant__isnull=True).exists():
        return
    wanmei = Region.objects.get(code=WANMEI)
    county = Region.objects.get(code=COUNTY)
    admin = Person.objects.get(phone="13800000001")
    staff_wc = Person.objects.get(phone="13800000002")
    operator = Person.objects.get(phone="13800000005")  # 苏理发, the demo merchant login
    staff_wm = Person.objects.get(phone="13800000007")
    demo_volunteer = Person.objects.get(phone="13900000001")

    items: dict[tuple[str, str], Item] = {}
    for community, staff in ((wenchang, staff_wc), (wanmei, staff_wm)):
        for row in COMMUNITY_ITEMS:
            changes: dict[str, Any] = {}
            if community == wanmei and row[0] in WANMEI_SPONSORS:
                changes["sponsor"] = WANMEI_SPONSORS[row[0]]
            items[community.code, row[0]] = _with_picture(
                staff,
                services.create_item(actor=staff, region=community, terms=_terms(row, **changes)),
            )
    badge = _with_picture(
        admin, services.create_item(actor=admin, region=county, terms=_terms(COUNTY_ITEM))
    )

    # 商居联盟: a partner restaurant, run by the demo merchant login as well as the barber's.
    restaurant = Merchant.objects.filter(region=wenchang, name=RESTAURANT[0]).first()
    if restaurant is None:
        restaurant = people.create_merchant(
            actor=staff_wc,
            region=wenchang,
            name=RESTAURANT[0],
            address=RESTAURANT[1],
            operators=[operator],
        )
    meal = services.create_item(actor=operator, merchant=restaurant, terms=_terms(RESTAURANT_OFFER))
    meal = _with_picture(operator, meal)  # the picture is part of the offer staff approve
    services.approve_item(actor=staff_wc, item=meal)  # a merchant's offer sells once approved

    # The demo volunteer: a badge handed over at the counter, washing-up liquid waiting.
    if _affords(demo_volunteer, badge):
        handed = services.redeem(actor=demo_volunteer, item=badge, quantity=1)
        services.fulfil(actor=staff_wc, order=handed)
    soap = items[WENCHANG, "洗洁精"]
    if _affords(demo_volunteer, soap):
        services.redeem(actor=demo_volunteer, item=soap, quantity=1)

    # 文昌's counter: orders waiting, handed over, placed by staff, cancelled; the
    # restaurant takes points by a resident's card.
    wc = volunteers[WENCHANG]

    def order(
        person: Person, name: str, *, hand_over: bool = False, by: Person | None = None
    ) -> Redemption | None:
        item = items[WENCHANG, name]
        if not _affords(person, item):
            return None
        placed = services.redeem(actor=by or person, item=item, quantity=1, person=person)
        if hand_over:
            services.fulfil(actor=staff_wc, order=placed)
        return placed

    order(wc[8], "食用油 5L")
    order(wc[4], "洗衣液 2kg", hand_over=True)
    order(wc[1], "义剪服务", by=staff_wc, hand_over=True)  # placed by staff at the counter
    order(wc[10], "洗衣液 2kg")
    cancelled = order(wc[2], "5元物品券")
    if cancelled is not None:
        services.cancel(actor=wc[2], order=cancelled, reason="买错了，想换洗洁精")
    for person in (wc[6], wc[0]):
        if _affords(person, meal):
            # The resident is there: the restaurant scans their volunteer card.
            proof = presence.identify(actor=operator, card=card_code(person))
            services.take_points(actor=operator, item=meal, presence=proof)

    # 湾美's counter, before its window closes for the quarter.
    wm = volunteers[WANMEI]
    for person, name, hand_over in (
        (wm[5], "大米 5kg", True),
        (wm[1], "食用油 5L", False),
        (wm[2], "洗衣液 2kg", False),
    ):
        item = items[WANMEI, name]
        if _affords(person, item):
            placed = services.redeem(actor=person, item=item, quantity=1)
            if hand_over:
                services.fulfil(actor=staff_wm, order=placed)

    # 一季一兑换: 湾美 opens its supermarket the first week of each quarter only.
    update_policy(
        actor=staff_wm,
        community=wanmei,
        redemption_months="1,4,7,10",
        redemption_first_day=1,
        redemption_last_day=7,
    )
