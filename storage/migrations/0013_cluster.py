from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0012_maintenance')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ClusterLeader',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('epoch', fields.BigIntField()),
                ('holder', fields.CharField(max_length=255)),
                ('since', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'cluster_leader', 'app': 'models', 'pk_attr': 'id', 'table_description': 'The one row naming the process that leads, and its epoch (checked before sending).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ClusterProcess',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(unique=True, max_length=255)),
                ('role', fields.CharField(max_length=16)),
                ('started_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('heartbeat_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'cluster_process', 'app': 'models', 'pk_attr': 'id', 'table_description': "A running process's heartbeat: leader, standby or download worker."},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='DownloadJob',
            name='lease_owner',
            field=fields.CharField(null=True, max_length=255),
        ),
        ops.AddField(
            model_name='DownloadJob',
            name='lease_until',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='DownloadJob',
            name='progress',
            field=fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AddField(
            model_name='DownloadJob',
            name='progress_at',
            field=fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False),
        ),
    ]
