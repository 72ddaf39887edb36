from django.urls import URLPattern, URLResolver

app_name = "contests"

urlpatterns: list[URLPattern | URLResolver] = []
