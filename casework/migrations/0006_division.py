"""行政区划 get a table of their own: code, name, level and the superior area.

The areas the departments already work in are filled in here (the names of the seeded
master data); ``seed_master_data`` keeps them up to date afterwards.
"""

import django.db.models.deletion
from django.db import migrations, models

AREAS = [
    ("510000", "四川省", "province"),
    ("510800", "广元市", "city"),
    ("510802", "利州区", "county"),
    ("510811", "昭化区", "county"),
    ("510824", "苍溪县", "county"),
    ("510700", "绵阳市", "city"),
    ("510703", "涪城区", "county"),
]


def fill_areas(apps, schema_editor):
    Division = apps.get_model("casework", "Division")
    Department = apps.get_model("casework", "Department")
    used = set(Department.objects.exclude(division_code="").values_list("division_code", flat=True))
    seeded = {}
    for code, name, level in AREAS:
        if code not in used:
            continue
        parent = None if level == "province" else code[:2] + "0000" if level == "city" else code[:4] + "00"
        seeded[code] = Division.objects.create(code=code, name=name, level=level, parent=seeded.get(parent))


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0005_registration_fingerprint"),
    ]

    operations = [
        migrations.CreateModel(
            name="Division",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("code", models.CharField(max_length=6, unique=True, verbose_name="行政区划代码")),
                ("name", models.CharField(max_length=100, verbose_name="名称")),
                (
                    "level",
                    models.CharField(
                        choices=[("province", "省级"), ("city", "市级"), ("county", "县级")],
                        db_index=True,
                        max_length=10,
                        verbose_name="行政层级",
                    ),
                ),
                (
                    "parent",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="children",
                        to="casework.division",
                        verbose_name="上级",
                    ),
                ),
            ],
            options={
                "verbose_name": "行政区划",
                "verbose_name_plural": "行政区划",
                "ordering": ["code"],
            },
        ),
        migrations.RunPython(fill_areas, migrations.RunPython.noop),
    ]
