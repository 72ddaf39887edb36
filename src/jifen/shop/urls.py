from django.urls import path

from jifen.shop.views import console, merchant, public, resident

app_name = "shop"

urlpatterns = [
    # Anyone, no login: the clearly priced list (明码标价) and the big screen.
    path("shop/", public.catalogue, name="catalogue"),
    path("shop/screen/<str:code>/", public.screen, name="screen"),
    path("shop/items/<int:item_id>/image/", public.item_image, name="item_image"),
    # Residents
    path("shop/items/<int:item_id>/", resident.item, name="item"),
    path("shop/items/<int:item_id>/redeem/", resident.redeem, name="redeem"),
    path("shop/orders/", resident.orders, name="orders"),
    path("shop/orders/<int:order_id>/", resident.order, name="order"),
    path("shop/orders/<int:order_id>/qr.svg", resident.order_qr, name="order_qr"),
    path("shop/orders/<int:order_id>/cancel/", resident.cancel, name="cancel"),
    path("shop/paycode/", resident.paycode, name="paycode"),
    path("shop/paycode/fresh/", resident.paycode_fresh, name="paycode_fresh"),
    # Staff: the counter, stock, liability, merchants' settlement
    path("console/shop/", console.counter, name="counter"),
    path("console/shop/lookup/", console.lookup, name="lookup"),
    path("console/shop/orders/", console.orders, name="console_orders"),
    path("console/shop/orders/<int:order_id>/fulfil/", console.fulfil, name="fulfil"),
    path("console/shop/orders/<int:order_id>/cancel/", console.cancel, name="staff_cancel"),
    path("console/shop/redeem/", console.redeem_for, name="redeem_for"),
    path("console/shop/items/", console.items, name="items"),
    path("console/shop/items/new/", console.item_create, name="item_create"),
    path("console/shop/items/<int:item_id>/", console.item_edit, name="item_edit"),
    path("console/shop/items/<int:item_id>/restock/", console.restock, name="restock"),
    path("console/shop/items/<int:item_id>/active/", console.item_active, name="item_active"),
    path("console/shop/items/<int:item_id>/approve/", console.item_approve, name="item_approve"),
    path("console/shop/items/<int:item_id>/image/", console.item_image, name="item_image_upload"),
    path("console/shop/liability/", console.liability, name="liability"),
    path("console/shop/window/", console.window, name="window"),
    path("console/shop/merchants/", console.merchants, name="merchants"),
    path(
        "console/shop/merchants/<int:merchant_id>/<str:month>.xlsx",
        console.settlement_xlsx,
        name="settlement_xlsx",
    ),
    path(
        "console/shop/merchants/<int:merchant_id>/<str:month>/settle/",
        console.settle,
        name="settle",
    ),
    # Merchants (爱心商户): their offers, taking points by the resident's card, their orders
    path("merchant/", merchant.home, name="merchant_home"),
    path("merchant/<int:merchant_id>/take/", merchant.take, name="take"),
    path("merchant/<int:merchant_id>/offers/", merchant.offers, name="offers"),
    path("merchant/<int:merchant_id>/offers/new/", merchant.offer_create, name="offer_create"),
    path(
        "merchant/<int:merchant_id>/offers/<int:item_id>/", merchant.offer_edit, name="offer_edit"
    ),
    path("merchant/<int:merchant_id>/orders/", merchant.orders, name="merchant_orders"),
    path("merchant/<int:merchant_id>/<str:month>.xlsx", merchant.month_xlsx, name="merchant_xlsx"),
]
