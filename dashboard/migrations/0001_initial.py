"""DailyStat moves from the kernel to the dashboard app; its table stays where it is."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('grids', '0003_key_places'),
        ('pingxiang', '0004_figures_version'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='DailyStat',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('day', models.DateField(verbose_name='日期')),
                        ('metric', models.CharField(max_length=64, verbose_name='指标')),
                        ('value', models.IntegerField(verbose_name='数值')),
                        ('computed_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='计算时间')),
                        ('village', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='grids.area', verbose_name='村(社区)')),
                    ],
                    options={
                        'db_table': 'pingxiang_dailystat',
                        'verbose_name': '每日统计',
                        'verbose_name_plural': '每日统计',
                        'indexes': [models.Index(fields=['metric', 'day'], name='dailystat_metric_day')],
                        'constraints': [models.UniqueConstraint(fields=('day', 'village', 'metric'), name='dailystat_once')],
                    },
                ),
            ],
        ),
    ]
