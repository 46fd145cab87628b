"""Alembic environment wired to the Flask app and GeoAlchemy2's helpers."""
import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app
from geoalchemy2 import alembic_helpers

config = context.config
fileConfig(config.config_file_name)
logger = logging.getLogger("alembic.env")

db = current_app.extensions["migrate"].db
import app.models  # noqa: E402,F401  (register every table on the metadata)


def include_object(obj, name, type_, reflected, compare_to):
    # PostGIS and its extensions own tables we must never autogenerate against.
    if type_ == "table" and name in {"spatial_ref_sys", "topology", "layer"}:
        return False
    return alembic_helpers.include_object(obj, name, type_, reflected, compare_to)


def run_migrations_offline():
    context.configure(url=str(db.engine.url), target_metadata=db.metadata, literal_binds=True,
                      include_object=include_object, process_revision_directives=alembic_helpers.writer,
                      render_item=alembic_helpers.render_item)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    connectable = db.engine
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=db.metadata,
            include_object=include_object,
            process_revision_directives=alembic_helpers.writer,
            render_item=alembic_helpers.render_item,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
