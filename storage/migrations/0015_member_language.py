from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0014_new_on_plex')]

    initial = False

    operations = [
        ops.CreateModel(
            name='MemberLanguage',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('discord_id', fields.BigIntField(unique=True)),
                ('chosen', fields.CharField(null=True, max_length=16)),
                ('seen', fields.CharField(null=True, max_length=16)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'member_language', 'app': 'models', 'pk_attr': 'id', 'table_description': "A member's language: the one they picked in /notifications, and their Discord one."},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='message',
            field=fields.JSONField(null=True),
        ),
        ops.AddField(
            model_name='ApprovalCard',
            name='message',
            field=fields.JSONField(null=True),
        ),
    ]
