# PortalConnection moved to apps/portals with its table (db_table "applications_portalconnection"): only
# Django's state changes here. Its content type goes with it, so the permissions given to groups and
# users, and the admin's history of the rows, stay attached.

from django.db import migrations

MOVED = ["portalconnection"]


def _move(apps, schema_editor, source: str, target: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    types = ContentType.objects.using(schema_editor.connection.alias)
    for model in MOVED:
        if not types.filter(app_label=target, model=model).exists():
            types.filter(app_label=source, model=model).update(app_label=target)


def content_types_to_portals(apps, schema_editor):
    _move(apps, schema_editor, "applications", "portals")


def content_types_to_applications(apps, schema_editor):
    _move(apps, schema_editor, "portals", "applications")


class Migration(migrations.Migration):

    dependencies = [
        ("applications", "0002_portals"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("portals", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="PortalConnection")],
            database_operations=[],
        ),
        migrations.RunPython(content_types_to_portals, content_types_to_applications),
    ]
