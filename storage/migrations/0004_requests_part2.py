from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from storage.models import CardDecision
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0003_requests')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ApprovalCard',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('overseerr_request_id', fields.IntField(unique=True)),
                ('channel_id', fields.BigIntField()),
                ('dedupe_key', fields.CharField(max_length=200)),
                ('content', fields.TextField(unique=False)),
                ('media_type', fields.CharField(max_length=8)),
                ('tmdb_id', fields.IntField(null=True)),
                ('decision', fields.CharEnumField(null=True, db_index=True, description='APPROVED: approved\nDECLINED: declined\nWITHDRAWN: withdrawn', enum_type=CardDecision, max_length=16)),
                ('decided_by', fields.BigIntField(null=True)),
                ('decided_by_name', fields.CharField(null=True, max_length=255)),
                ('acted_as', fields.IntField(null=True)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('reason', fields.TextField(null=True, unique=False)),
                ('edited_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'approval_card', 'app': 'models', 'pk_attr': 'id', 'table_description': 'The admin message with Approve and Decline buttons for one pending Overseerr request.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Subscription',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('discord_id', fields.BigIntField(db_index=True)),
                ('media_type', fields.CharField(max_length=8)),
                ('tmdb_id', fields.IntField()),
                ('season', fields.IntField(default=-1)),
                ('is_4k', fields.BooleanField(default=False)),
                ('title', fields.CharField(max_length=500)),
                ('year', fields.IntField(null=True)),
                ('known_seasons', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'subscription', 'app': 'models', 'unique_together': (('discord_id', 'media_type', 'tmdb_id', 'season', 'is_4k'),), 'indexes': [Index(fields=['media_type', 'tmdb_id'])], 'pk_attr': 'id', 'table_description': 'A member following media they did not request, until it is on Plex or refused.'},
            bases=['Model'],
        ),
    ]
