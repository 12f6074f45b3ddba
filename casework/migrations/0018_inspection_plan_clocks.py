"""The platform defaults of the 抽查计划 clocks (审批, 实施抽取), for databases seeded before them."""

from django.db import migrations


def seed(apps, schema_editor):
    from casework.clocks.services import seed_rules

    seed_rules(model=apps.get_model("casework", "LegalClock"))


class Migration(migrations.Migration):
    dependencies = [("casework", "0017_inspection_directories")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
