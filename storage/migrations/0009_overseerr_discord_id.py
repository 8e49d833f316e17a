from tortoise import migrations
from tortoise.migrations import operations as ops
from storage.models import MentionState
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0008_youtube_subscriptions')]

    initial = False

    operations = [
        ops.CreateModel(
            name='OverseerrMention',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('discord_id', fields.BigIntField(db_index=True)),
                ('plex_user_id', fields.BigIntField()),
                ('overseerr_user_id', fields.IntField(null=True)),
                ('state', fields.CharEnumField(db_index=True, description='ADD: add\nWRITTEN: written\nALREADY: already\nOTHER: other\nREMOVE: remove', enum_type=MentionState, max_length=16)),
                ('found_id', fields.CharField(null=True, max_length=32)),
                ('last_error', fields.TextField(null=True, unique=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'overseerr_mention', 'app': 'models', 'unique_together': (('discord_id', 'plex_user_id'),), 'pk_attr': 'id', 'table_description': "A member's Discord id in their Overseerr notification settings, and who put it there."},
            bases=['Model'],
        ),
    ]
