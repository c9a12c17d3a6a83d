# PortalConnection moved here from applications with its table: the table was made by applications'
# 0002 and keeps its name, so this migration changes Django's state only, and an existing database keeps
# its rows. That dependency is the history of the table, not an import of applications.

from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('applications', '0002_portals'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='PortalConnection',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='created at')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                        ('connector', models.CharField(choices=[('edistrict', 'e-District Delhi'), ('mcd', 'MCD online services'), ('parivahan', 'Parivahan (Sarathi / Vahan)'), ('djb', 'Delhi Jal Board'), ('delhi_police', 'Delhi Police citizen services'), ('edudel', 'Directorate of Education'), ('pgms', 'Public grievance monitoring system')], max_length=20, unique=True, verbose_name='connector')),
                        ('base_url', models.URLField(help_text='Like https://edistrict.delhigovt.nic.in/api/', max_length=300, verbose_name='base URL')),
                        ('auth_type', models.CharField(choices=[('none', 'None'), ('bearer', 'Bearer token'), ('api_key', 'API key header'), ('basic', 'Basic (user name and password)')], default='bearer', max_length=10, verbose_name='authentication')),
                        ('auth_header', models.CharField(blank=True, default='X-API-Key', max_length=50, verbose_name='API key header')),
                        ('username', models.CharField(blank=True, max_length=100, verbose_name='user name (basic)')),
                        ('secret_encrypted', models.TextField(blank=True, editable=False, verbose_name='token, key or password (encrypted)')),
                        ('callback_secret_encrypted', models.TextField(blank=True, editable=False, verbose_name='callback signing secret (encrypted)')),
                        ('secrets_updated_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='secrets updated at')),
                        ('connect_timeout', models.FloatField(default=5, verbose_name='connect timeout (s)')),
                        ('read_timeout', models.FloatField(default=20, verbose_name='read timeout (s)')),
                        ('submit_path', models.CharField(default='applications/', max_length=200, verbose_name='submit path')),
                        ('status_path', models.CharField(default='applications/{reference}/', max_length=200, verbose_name='status path')),
                        ('lookup_path', models.CharField(default='lookup/{service}/', max_length=200, verbose_name='lookup path')),
                        ('field_map', models.JSONField(blank=True, default=dict, help_text='Per service code: the portal\'s service id and field names, like {"REV-INCOME": {"service": "INC01", "fields": {"applicant_name": "name"}}}. Unmapped answers keep their keys.', verbose_name='field map')),
                        ('status_map', models.JSONField(blank=True, default=dict, help_text='Portal status to govchat state, like {"PENDING_SDM": "under_review"}; added to the usual names (received, under_review, approved, rejected, issued, ...).', verbose_name='status map')),
                        ('enabled', models.BooleanField(default=True, verbose_name='enabled')),
                    ],
                    options={
                        'db_table': 'applications_portalconnection',
                        'verbose_name': 'portal connection',
                        'verbose_name_plural': 'portal connections',
                        'ordering': ['connector'],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
