"""The QuickBooks list records move to the workflow's AccountingRecord, one `book` per company file (the
connection's FileID), so that Ready to Import and the checks at send can read them."""

from django.db import migrations


def move(apps, schema_editor):  # type: ignore[no-untyped-def]
    old = apps.get_model("qbxml", "QbListRecord")
    new = apps.get_model("erp_integrations", "AccountingRecord")
    new.objects.bulk_create(
        [
            new(
                book=str(record.connection.file_id),
                list_type=record.list_type,
                external_id=record.list_id,
                full_name=record.full_name,
                parent_external_id=record.parent_list_id,
                edit_sequence=record.edit_sequence,
                is_active=record.is_active,
                details=record.details,
                time_modified=record.time_modified,
            )
            for record in old.objects.select_related("connection").iterator()
        ],
        batch_size=1000,
        ignore_conflicts=True,
    )


def move_back(apps, schema_editor):  # type: ignore[no-untyped-def]
    old = apps.get_model("qbxml", "QbListRecord")
    new = apps.get_model("erp_integrations", "AccountingRecord")
    connections = {str(c.file_id): c for c in apps.get_model("qbxml", "QbConnection").objects.all()}
    old.objects.bulk_create(
        [
            old(
                connection=connections[record.book],
                list_type=record.list_type,
                list_id=record.external_id,
                full_name=record.full_name,
                parent_list_id=record.parent_external_id,
                edit_sequence=record.edit_sequence,
                is_active=record.is_active,
                details=record.details,
                time_modified=record.time_modified,
            )
            for record in new.objects.iterator()
            if record.book in connections
        ],
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("qbxml", "0005_session_release"),
        ("erp_integrations", "0003_accounting_records"),
    ]

    operations = [
        migrations.RunPython(move, move_back),
        migrations.DeleteModel(name="QbListRecord"),
    ]
