"""Process model of the viewflow peer flow.

viewflow's idiom for per-process fields: a proxy of ``viewflow.workflow.models.Process`` with
``viewflow.jsonstore`` fields kept in the process's ``data`` JSON column.  No extra table, so no
join or second INSERT/UPDATE per case: the cheapest option viewflow offers.
"""

from viewflow import jsonstore
from viewflow.workflow.models import Process

CLAIM_DECISIONS = [("claim", "认领"), ("return", "退回")]
PERMIT_DECISIONS = [("approved", "已许可"), ("not_applied", "未申请"), ("other", "其他")]


class PushProcess(Process):
    enterprise_name = jsonstore.CharField(max_length=200)
    credit_code = jsonstore.CharField(max_length=18)
    business_scope = jsonstore.TextField(blank=True)
    department_code = jsonstore.CharField(max_length=32)
    claim_decision = jsonstore.CharField(max_length=16, choices=CLAIM_DECISIONS, blank=True)
    permit_decision = jsonstore.CharField(max_length=16, choices=PERMIT_DECISIONS, blank=True)

    class Meta:
        proxy = True
        verbose_name = "双告知推送（viewflow 对照）"
