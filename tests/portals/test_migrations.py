"""A database made before portals were their own app keeps its connections, their secrets, and who may
change them: the move changes Django's state only."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from apps.core.crypto import secret_encrypt
from apps.portals.config import connection_get
from apps.portals.models import PortalConnection

BEFORE = [("applications", "0002_portals"), ("portals", None)]


def migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    ContentType.objects.clear_cache()
    return executor


@pytest.mark.django_db(transaction=True)
def test_a_database_from_before_the_move_keeps_its_connections_and_permissions(settings):
    settings.PORTAL_DEMO_ENABLED = False
    executor = migrate(BEFORE)
    Old = executor.loader.project_state(BEFORE[0]).apps.get_model("applications", "PortalConnection")
    Old.objects.create(
        connector="mcd", base_url="https://mcd.example.gov.in/api/", auth_type="bearer",
        secret_encrypted=secret_encrypt("tok-before"), status_map={"PENDING": "under_review"},
    )  # fmt: skip
    editors = Group.objects.create(name="portal editors")
    editors.permissions.add(
        Permission.objects.get(content_type__app_label="applications", codename="change_portalconnection")
    )

    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    moved = connection_get(connector="mcd")

    assert PortalConnection.objects.get().status_map == {"PENDING": "under_review"}
    assert moved is not None and moved.secret == "tok-before"
    assert list(editors.permissions.values_list("content_type__app_label", "codename")) == [
        ("portals", "change_portalconnection")
    ]
    assert not ContentType.objects.filter(app_label="applications", model="portalconnection").exists()
