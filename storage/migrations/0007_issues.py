from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0006_dashboard_stats')]

    initial = False

    operations = [
        ops.CreateModel(
            name='IssueCard',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('overseerr_issue_id', fields.IntField(unique=True)),
                ('channel_id', fields.BigIntField()),
                ('dedupe_key', fields.CharField(max_length=200)),
                ('resolved_by', fields.BigIntField(null=True)),
                ('resolved_by_name', fields.CharField(null=True, max_length=255)),
                ('acted_as', fields.IntField(null=True)),
                ('resolved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('edit_due', fields.BooleanField(default=False, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'issue_card', 'app': 'models', 'pk_attr': 'id', 'table_description': 'The admin message with a Resolve button for one open Overseerr issue.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ReportedIssue',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('overseerr_issue_id', fields.IntField(unique=True)),
                ('discord_id', fields.BigIntField(null=True, db_index=True)),
                ('overseerr_user_id', fields.IntField(null=True)),
                ('media_type', fields.CharField(max_length=8)),
                ('tmdb_id', fields.IntField(null=True)),
                ('title', fields.CharField(max_length=500)),
                ('year', fields.IntField(null=True)),
                ('issue_type', fields.IntField()),
                ('resolved', fields.BooleanField(default=False, db_index=True)),
                ('status_changes', fields.IntField(default=0)),
                ('last_comment_id', fields.IntField(default=0)),
                ('thread', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('overseerr_updated_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'reported_issue', 'app': 'models', 'pk_attr': 'id', 'table_description': 'An Overseerr issue the bot follows: who reported it and what of it was already told.'},
            bases=['Model'],
        ),
    ]
