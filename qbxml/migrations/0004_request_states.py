"""The look-ups a request must make before it is sent again are states of the request, not a second field."""

from django.db import migrations, models

# (status, pending_check) of before → the state that says both.
_FORWARD = {
    ("ready", "exists"): "look_up",
    ("in_doubt", "exists"): "look_up",
    ("held", "exists"): "look_up",
    ("ready", "name_in_use"): "name_in_use",
    ("in_doubt", "name_in_use"): "name_in_use",
    ("held", "name_in_use"): "name_in_use",
    ("ready", "edit_sequence"): "stale",
    ("in_doubt", "edit_sequence"): "stale",
    ("held", "edit_sequence"): "stale",
    ("sent", "exists"): "looking_up",
    ("sent", "name_in_use"): "matching_name",
    ("sent", "edit_sequence"): "refreshing",
    ("in_doubt", ""): "ready",
}
_BACKWARD = {
    "look_up": ("ready", "exists"),
    "name_in_use": ("ready", "name_in_use"),
    "stale": ("ready", "edit_sequence"),
    "looking_up": ("sent", "exists"),
    "matching_name": ("sent", "name_in_use"),
    "refreshing": ("sent", "edit_sequence"),
}


def forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    request = apps.get_model("qbxml", "QbRequest")
    for (status, check), state in _FORWARD.items():
        request.objects.filter(status=status, pending_check=check).update(status=state)


def backward(apps, schema_editor):  # type: ignore[no-untyped-def]
    request = apps.get_model("qbxml", "QbRequest")
    for state, (status, check) in _BACKWARD.items():
        request.objects.filter(status=state).update(status=status, pending_check=check)


class Migration(migrations.Migration):
    dependencies = [("qbxml", "0003_sign_in_failures")]

    operations = [
        migrations.AlterField(
            model_name="qbrequest",
            name="status",
            field=models.CharField(
                choices=[
                    ("ready", "Ready"),
                    ("look_up", "Answer lost: to look up before sending again"),
                    ("name_in_use", "Name in use: to look up the record of that name"),
                    ("stale", "Stale EditSequence: to look up the record's current one"),
                    ("held", "Held back by a failed dependency"),
                    ("sent", "Sent, awaiting the answer"),
                    ("looking_up", "Looking it up"),
                    ("matching_name", "Looking up the record of that name"),
                    ("refreshing", "Looking up the current EditSequence"),
                    ("done", "Done"),
                    ("failed", "Failed"),
                    ("cancelled", "Cancelled"),
                ],
                default="ready",
                max_length=20,
            ),
        ),
        migrations.RunPython(forward, backward),
        migrations.RemoveField(model_name="qbrequest", name="pending_check"),
        migrations.AddField(
            model_name="qbrequest",
            name="description",
            field=models.CharField(
                blank=True,
                help_text="What a list record the export needs is made with (its description).",
                max_length=255,
            ),
        ),
    ]
