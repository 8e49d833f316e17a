from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0005_health_rollups')]

    initial = False

    operations = [
        ops.CreateModel(
            name='MemberActivity',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('discord_id', fields.BigIntField()),
                ('day', fields.DateField()),
            ],
            options={'table': 'member_activity', 'app': 'models', 'unique_together': (('discord_id', 'day'),), 'indexes': [Index(fields=['day', 'discord_id'])], 'pk_attr': 'id', 'table_description': 'That a member ran at least one command on one day (UTC), for the active-member count.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='DownloadItem',
            name='finished_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='DownloadItem',
            name='size_bytes',
            field=fields.BigIntField(null=True),
        ),
        ops.AddField(
            model_name='DownloadItem',
            name='started_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddIndex(
            model_name='DownloadItem',
            index=Index(fields=['finished_at', 'status']),
        ),
        ops.AddField(
            model_name='MediaRequest',
            name='available_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddIndex(
            model_name='MediaRequest',
            index=Index(fields=['status', 'discord_id', 'created_at']),
        ),
        ops.AddIndex(
            model_name='MediaRequest',
            index=Index(fields=['created_at', 'status', 'discord_id']),
        ),
        ops.AddIndex(
            model_name='MediaRequest',
            index=Index(fields=['available_at', 'media_type', 'created_at']),
        ),
        ops.AddIndex(
            model_name='PlexLink',
            index=Index(fields=['linked_at']),
        ),
            # Available requests are never moved again, so their last update is when they became so.
        ops.RunSQL(
            "UPDATE media_request SET available_at = updated_at "
            "WHERE status = 'available' AND available_at IS NULL",
            reverse_sql="",
        ),
    ]
