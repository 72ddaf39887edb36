from django.urls import URLPattern, URLResolver

app_name = "property_review"

urlpatterns: list[URLPattern | URLResolver] = []
