import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jifen.settings")
application = get_wsgi_application()


def warm_up() -> None:
    """Do once, before the workers are forked, what every worker would otherwise do on its
    first requests: import every view and router (the URLconf), build the URL tables of
    every namespace for ``reverse``, and load the translation catalogues. Measured: a
    worker's first request took about a second, its first request of another kind a
    further 170 ms (docs/performance.md, "The accept race"). Touches no database: a
    connection opened here would be shared by the forked workers."""
    from django.conf import settings
    from django.urls import get_resolver
    from django.utils import translation

    resolver = get_resolver()
    for _prefix, namespaced in resolver.namespace_dict.values():
        namespaced.reverse_dict  # noqa: B018 - reading it builds the namespace's table
    resolver.reverse_dict  # noqa: B018
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Jifen")
