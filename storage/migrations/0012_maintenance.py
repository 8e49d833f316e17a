from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0011_plex_access')]

    initial = False

    operations = [
        ops.CreateModel(
            name='MaintenanceWindow',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('service', fields.CharField(db_index=True, max_length=32)),
                ('kind', fields.CharField(max_length=8)),
                ('starts_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('ends_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('weekday', fields.SmallIntField(null=True)),
                ('start_minute', fields.SmallIntField(null=True)),
                ('end_minute', fields.SmallIntField(null=True)),
                ('created_by', fields.BigIntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'maintenance_window', 'app': 'models', 'pk_attr': 'id', 'table_description': "When the alerts of one service are held back: a mute, a one-off or a weekly window."},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Incident',
            name='acknowledged_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Incident',
            name='acknowledged_by',
            field=fields.BigIntField(null=True),
        ),
        ops.AddField(
            model_name='Incident',
            name='held',
            field=fields.BooleanField(default=False),
        ),
    ]
