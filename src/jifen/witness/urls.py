from django.urls import URLPattern, URLResolver

app_name = "witness"

urlpatterns: list[URLPattern | URLResolver] = []
