from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0002_outbox_buttons')]

    initial = False

    operations = [
        ops.AddField(
            model_name='MediaRequest',
            name='resolved_by',
            field=fields.BigIntField(null=True),
        ),
        ops.AddField(
            model_name='MediaRequest',
            name='season_spec',
            field=fields.CharField(null=True, max_length=100),
        ),
        ops.AddField(
            model_name='MediaRequest',
            name='year',
            field=fields.IntField(null=True),
        ),
        ops.AddIndex(
            model_name='MediaRequest',
            index=Index(fields=['media_type', 'tmdb_id']),
        ),
    ]
