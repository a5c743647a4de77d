"""The clinic's hub: a PostgreSQL database holding every station's record.

Tablets keep their own SQLite file and send it what they write (``mesocheck.sync``); the
practitioner's station works on the hub directly (``HubStore``: the store's shared code on
PostgreSQL). Nothing here imports Qt, and psycopg is imported only when a hub is used.
"""
