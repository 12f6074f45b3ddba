"""The national default of the ``correct`` clock (更正), for databases seeded before it existed."""

from django.db import migrations


def seed(apps, schema_editor):
    from casework.clocks.services import seed_rules

    seed_rules(model=apps.get_model("casework", "LegalClock"))


class Migration(migrations.Migration):
    dependencies = [("casework", "0011_collection_import_job")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
