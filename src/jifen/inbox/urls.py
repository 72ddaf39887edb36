"""The to-do has no page of its own: it is on every home page (the console's and the
resident's), each line linking to the filtered list of another domain."""

from django.urls import URLPattern

app_name = "inbox"

urlpatterns: list[URLPattern] = []
