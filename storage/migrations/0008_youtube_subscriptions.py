from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0007_issues')]

    initial = False

    operations = [
        ops.CreateModel(
            name='YoutubeSubscription',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('discord_id', fields.BigIntField(db_index=True)),
                ('url', fields.CharField(max_length=1000)),
                ('title', fields.CharField(max_length=500)),
                ('collection', fields.CharField(max_length=500)),
                ('folder', fields.TextField(unique=False)),
                ('baseline', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('checked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('found_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('failures', fields.IntField(default=0)),
                ('last_error', fields.TextField(null=True, unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'youtube_subscription', 'app': 'models', 'unique_together': (('discord_id', 'url'),), 'pk_attr': 'id', 'table_description': 'A member following a YouTube playlist or channel: each check downloads what is new.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='DownloadItem',
            name='description',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='DownloadItem',
            name='plex_filed',
            field=fields.BooleanField(default=False),
        ),
        ops.AddField(
            model_name='DownloadItem',
            name='thumbnail_path',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='DownloadItem',
            name='thumbnail_url',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='DownloadItem',
            name='upload_date',
            field=fields.DateField(null=True),
        ),
        ops.AddField(
            model_name='DownloadJob',
            name='subscription_id',
            field=fields.IntField(null=True, db_index=True),
        ),
        ops.AddField(
            model_name='DownloadJob',
            name='thumbnail_url',
            field=fields.TextField(null=True, unique=False),
        ),
    ]
