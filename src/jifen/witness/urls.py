from django.urls import URLPattern, URLResolver, path

from jifen.witness.views import console, public

app_name = "witness"

urlpatterns: list[URLPattern | URLResolver] = [
    # Anyone (no login; phone and big screen): a county's or town's checkpoint, its key
    path("public/checkpoints/<str:code>/", public.checkpoint_page, name="public"),
    path("public/checkpoints/<str:code>/key", public.key_page, name="key"),
    path("checkpoints/method/", public.method, name="method"),
    # County or town administrators (desktop): the signing key, the monthly signed copy
    path("console/checkpoints/", console.index, name="console"),
    path("console/checkpoints/<str:code>/", console.region_page, name="console_region"),
    path("console/checkpoints/<str:code>/key/", console.create_key, name="console_key"),
    path("console/checkpoints/<str:code>/sign/", console.sign, name="console_sign"),
]
