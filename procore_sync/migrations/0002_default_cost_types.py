from __future__ import annotations

from django.db import migrations

DEFAULT_COST_TYPES = [
    ("L", "Labor"),
    ("M", "Material"),
    ("E", "Equipment"),
    ("S", "Subcontract"),
    ("C", "Commitment"),
    ("O", "Other"),
]


def add_cost_types(apps, schema_editor):
    CostType = apps.get_model("procore_sync", "CostType")
    for order, (code, name) in enumerate(DEFAULT_COST_TYPES, start=1):
        CostType.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("procore_sync", "0001_initial")]

    operations = [migrations.RunPython(add_cost_types, migrations.RunPython.noop)]
