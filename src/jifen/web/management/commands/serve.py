import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand


def default_workers() -> int:
    return (os.cpu_count() or 1) * 2 + 1


class Command(BaseCommand):
    help = "Serve Jifen in production: gunicorn sync workers, static files by the app."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=default_workers())
        parser.add_argument("--timeout", type=int, default=60)

    def handle(self, *args: Any, **options: Any) -> None:
        from gunicorn.app.base import BaseApplication

        from jifen.wsgi import application, warm_up

        bind = f"{options['host']}:{options['port']}"
        config = {
            "bind": bind,
            "workers": options["workers"],
            "worker_class": "sync",
            "timeout": options["timeout"],
            # Recycle workers now and then so a slow leak never builds up.
            "max_requests": 5000,
            "max_requests_jitter": 500,
            "accesslog": "-",
            # The path only: query strings may carry search terms about people.
            "access_log_format": '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms',
            "errorlog": "-",
            "loglevel": "info",
        }

        class JifenServer(BaseApplication):  # type: ignore[misc]
            def load_config(self) -> None:
                for key, value in config.items():
                    self.cfg.set(key, value)

            def load(self) -> Any:
                return application

        # The workers are forked from this process: what it loads, they start with.
        warm_up()
        mode = "DEBUG" if settings.DEBUG else "production"
        self.stdout.write(f"Jifen serving http://{bind}/ ({mode}, {options['workers']} workers)")
        JifenServer().run()
