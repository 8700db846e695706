"""The database table of the shared cache (the throttles' counts), made by `migrate` like every other table,
so an installation without Redis needs no extra command. Nothing to do when the cache is Redis."""

from django.core.management import call_command
from django.db import migrations


def make_cache_table(apps, schema_editor):  # type: ignore[no-untyped-def]
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies: list[tuple[str, str]] = []

    operations = [migrations.RunPython(make_cache_table, migrations.RunPython.noop)]
