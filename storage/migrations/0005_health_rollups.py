from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0004_requests_part2')]

    initial = False

    operations = [
        ops.CreateModel(
            name='HealthRollup',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('service', fields.CharField(max_length=32)),
                ('hour', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('checks', fields.IntField()),
                ('ok', fields.IntField()),
                ('latency_ms_sum', fields.FloatField(default=0.0)),
                ('latency_count', fields.IntField(default=0)),
            ],
            options={'table': 'health_rollup', 'app': 'models', 'unique_together': (('service', 'hour'),), 'pk_attr': 'id', 'table_description': 'The checks of one service over one hour, kept after the raw samples are pruned.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='DownloadJob',
            name='description',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='ErrorEvent',
            name='critical',
            field=fields.BooleanField(default=False),
        ),
    ]
