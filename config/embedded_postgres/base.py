"""The PostgreSQL backend for the embedded server: starts (or joins) it on a process's first connection.

Settings only say where the embedded servers live; starting them there would start them for every
``manage.py`` invocation, ``--help`` and ``embedded status`` included. A process that touches the
database starts them here instead, the embedded Redis along with PostgreSQL (when ``REDIS_URL`` is
unset): what connects to the database goes on to enqueue tasks and use the cache.
"""

from __future__ import annotations

from django.conf import settings
from django.db.backends.postgresql import base, client

from config import embedded


class DatabaseClient(client.DatabaseClient):
    def runshell(self, parameters):
        self.connection.get_connection_params()  # `dbshell` needs the socket directory too
        super().runshell(parameters)


class DatabaseWrapper(base.DatabaseWrapper):
    client_class = DatabaseClient

    def get_connection_params(self) -> dict:
        # The settings dict is shared by every connection of the process (threads too): filled once.
        if not self.settings_dict["HOST"]:
            if settings.EMBEDDED_REDIS:
                embedded.redis_start(settings.VAR_DIR)
            self.settings_dict["HOST"] = embedded.postgres_host(settings.VAR_DIR)
        return super().get_connection_params()
