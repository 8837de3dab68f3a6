"""Alembic's environment: migrations run on the connection ``slrs.store.migrate`` hands over, in its transaction.

To write a new migration: add a file to ``versions/`` whose ``down_revision`` is the newest one (``alembic
revision`` with ``script_location`` set to this folder does it), change ``slrs.store.METADATA`` to match, and
let ``tests/test_store.py`` check that a migrated store and ``METADATA`` agree.
"""

from alembic import context

from slrs.store import METADATA

context.configure(connection=context.config.attributes["connection"], target_metadata=METADATA,
                  render_as_batch=True)  # batch mode: SQLite can only alter a table by copying it
with context.begin_transaction():
    context.run_migrations()
