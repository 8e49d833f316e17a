from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from storage.models import AccessState
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0010_request_notifications')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AccessEvent',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('access_id', fields.IntField(db_index=True)),
                ('discord_id', fields.BigIntField(db_index=True)),
                ('plex_username', fields.CharField(max_length=255)),
                ('action', fields.CharField(db_index=True, max_length=16)),
                ('actor_id', fields.BigIntField(null=True)),
                ('library_titles', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('detail', fields.TextField(null=True, unique=False)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'plex_access_event', 'app': 'models', 'pk_attr': 'id', 'table_description': 'The record: who requested, invited, changed or removed whom, when, with which libraries.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PlexAccess',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('discord_id', fields.BigIntField(db_index=True)),
                ('state', fields.CharEnumField(db_index=True, description='OFFERED: offered\nREQUESTED: requested\nINVITING: inviting\nINVITED: invited\nACCEPTED: accepted\nDECLINED: declined\nREMOVED: removed', enum_type=AccessState, max_length=16)),
                ('plex_username', fields.CharField(max_length=255)),
                ('plex_user_id', fields.BigIntField(null=True)),
                ('plex_email', fields.CharField(null=True, max_length=255)),
                ('token_encrypted', fields.TextField(null=True, unique=False)),
                ('library_keys', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('source', fields.CharField(max_length=16)),
                ('invited_by', fields.BigIntField(null=True)),
                ('expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('warned_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('remove_after', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'plex_access', 'app': 'models', 'pk_attr': 'id', 'table_description': "A member's access to the Plex server, from the request or invite to its removal."},
            bases=['Model'],
        ),
    ]
