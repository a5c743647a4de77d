"""A group of clinics: every site's hub sends its record to the group's PostgreSQL by
PostgreSQL's own logical replication. Each site hub publishes the tables of the record;
the group's database (set up with ``mesocheck hub init --group``: the same tables, no
device of its own) subscribes to each site. Row ids and device numbers never collide
between sites (``ids.py``: each site has its own number), so one set of tables holds them
all. Replication copies rows, not schema: upgrade the group with ``hub upgrade`` first.

The SQL is here so that the README and the tests use the same statements.
"""

from __future__ import annotations

PUBLICATION = "mesocheck_record"
# What a site publishes: its devices, their audit chains and the record they wrote (not
# the hub's own settings or bookkeeping, which are the site's).
PUBLISHED = ("devices", "forms", "staff", "seals", "patients", "intakes", "answers",
             "acknowledgements", "flags", "decisions", "signatures", "documents", "audit")


def publication_sql(schema: str = "mesocheck") -> str:
    """Run on a site's hub by the hub's user (the owner of its tables)."""
    tables = ", ".join(f"{schema}.{t}" for t in PUBLISHED)
    return f"CREATE PUBLICATION {PUBLICATION} FOR TABLE {tables}"


def subscription_sql(name: str, site_conninfo: str) -> str:
    """Run on the group's database by a superuser; ``site_conninfo`` names the site hub
    and a user of it with the REPLICATION attribute (e.g. ``host=site1.example
    dbname=clinic user=mesocheck``, the password in the group server's ~/.pgpass)."""
    quoted = site_conninfo.replace("'", "''")
    return (f"CREATE SUBSCRIPTION {name} CONNECTION '{quoted}' PUBLICATION {PUBLICATION} "
            "WITH (copy_data = true)")
