from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0009_overseerr_discord_id')]

    initial = False

    operations = [
        ops.CreateModel(
            name='NotificationPrefs',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('discord_id', fields.BigIntField(unique=True)),
                ('discord_requests', fields.BooleanField(default=True)),
                ('elsewhere_requests', fields.BooleanField(default=True)),
                ('followed_media', fields.BooleanField(default=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'notification_prefs', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Which request DMs a member wants (a member without a row gets them all).'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='MediaRequest',
            name='elsewhere',
            field=fields.BooleanField(default=False),
        ),
        ops.AddField(
            model_name='MediaRequest',
            name='plex_user_id',
            field=fields.BigIntField(null=True),
        ),
        ops.AddField(
            model_name='MediaRequest',
            name='unchecked',
            field=fields.BooleanField(default=False),
        ),
    ]
