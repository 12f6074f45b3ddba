"""格式规范 v2: the 抽查检查结果 type's 检查结果 gains 发现问题待后续处理, and a 无证无照经营查处
party may have no credit code (``party_without_code``).

A database whose spec in force is the bundled v1 gets v2 as a new version (records keep the version
they were sent under); an admin's own later version is left alone (they add the code themselves);
a database with no spec yet starts at v2 from ``record_types``.
"""

import copy

from django.db import migrations

CODE = {"code": "pending_follow_up", "label": "发现问题待后续处理"}


def publish_v2(apps, schema_editor):
    RecordFormat = apps.get_model("casework", "RecordFormat")
    latest = RecordFormat.objects.order_by("-version").first()
    if latest is None or latest.version != 1:
        return
    types = copy.deepcopy(latest.types)
    for spec in types:
        if spec.get("code") == "unlicensed_operation":
            spec["party_without_code"] = True
        if spec.get("code") != "inspection_result":
            continue
        for field in spec.get("fields", []):
            if field.get("name") == "result" and all(c.get("code") != CODE["code"] for c in field["choices"]):
                field["choices"].append(dict(CODE))
    RecordFormat.objects.create(
        version=2,
        types=types,
        note="增加检查结果代码“发现问题待后续处理”；无证无照当事人可无统一社会信用代码",
    )


class Migration(migrations.Migration):
    dependencies = [("casework", "0018_inspection_plan_clocks")]

    operations = [migrations.RunPython(publish_v2, migrations.RunPython.noop)]
