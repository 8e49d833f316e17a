from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0013_cluster')]

    initial = False

    operations = [
        ops.CreateModel(
            name='NewMedia',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('rating_key', fields.CharField(unique=True, max_length=32)),
                ('section_key', fields.CharField(max_length=32)),
                ('kind', fields.CharField(max_length=16)),
                ('group_key', fields.CharField(db_index=True, max_length=64)),
                ('title', fields.CharField(max_length=500)),
                ('show_title', fields.CharField(null=True, max_length=500)),
                ('season', fields.IntField(null=True)),
                ('episode', fields.IntField(null=True)),
                ('year', fields.IntField(null=True)),
                ('summary', fields.TextField(default='', unique=False)),
                ('thumb', fields.CharField(null=True, max_length=300)),
                ('link_key', fields.CharField(max_length=32)),
                ('tmdb_id', fields.IntField(null=True)),
                ('added_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('announced_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'new_media', 'app': 'models', 'pk_attr': 'id', 'table_description': 'An item that arrived in a Plex library: announced once, or held for the next digest.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='NotificationPrefs',
            name='name_in_public',
            field=fields.BooleanField(default=False),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='files',
            field=fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
    ]
