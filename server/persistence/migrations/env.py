"""Alembic environment of the server-only tables (own version table, after app's chain)."""

from alembic import context

from server.persistence.models import ServerBase

connection = context.config.attributes["connection"]


def _own_tables_only(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    # The workstation tables live in the same database under app's migration chain.
    return not (type_ == "table" and reflected and compare_to is None)


context.configure(
    connection=connection,
    target_metadata=ServerBase.metadata,
    version_table="server_alembic_version",
    include_object=_own_tables_only,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
