"""The JSON API of property peer review."""

from ninja import Router

router = Router(tags=["property_review"])
