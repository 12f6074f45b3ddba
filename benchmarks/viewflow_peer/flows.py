"""双告知, one department, on viewflow's engine: start → claim_or_return → permit_feedback → end."""

from viewflow import this
from viewflow.workflow import flow, lock
from viewflow.workflow.flow.views import UpdateProcessView

from .models import PushProcess


class PushFlow(flow.Flow):
    """双告知推送（viewflow 对照）"""

    process_class = PushProcess
    # viewflow's default is no_lock (a bare transaction); its docs recommend the row lock
    # (SELECT ... FOR UPDATE NOWAIT on the process, 5 attempts) for PostgreSQL deployments.
    lock_impl = lock.select_for_update_lock

    start = flow.StartHandle(this.start_push).Next(this.claim_or_return)

    claim_or_return = (
        flow.View(UpdateProcessView.as_view(fields=["claim_decision"]))
        .Permission(auto_create=True)
        .Next(this.permit_feedback)
    )

    permit_feedback = (
        flow.View(UpdateProcessView.as_view(fields=["permit_decision"]))
        .Permission(auto_create=True)
        .Next(this.end)
    )

    end = flow.End()

    def start_push(self, activation, enterprise_name, credit_code, business_scope, department_code):
        process = activation.process
        process.enterprise_name = enterprise_name
        process.credit_code = credit_code
        process.business_scope = business_scope
        process.department_code = department_code
        return process
