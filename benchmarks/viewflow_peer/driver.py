"""Drive whole 双告知 cases through viewflow's activation API, step for step as its views do.

Each human step repeats what viewflow's POST wrappers in ``viewflow/workflow/flow/utils.py`` run:

* assign (``AssignTaskView`` behind ``wrap_task_view(node, ..., permission=node.can_assign)``):
  under ``flow_class.lock(process_pk)`` + ``transaction.atomic()``: load the task, check it belongs
  to the flow, ``node.activation_class(task)``, ``node.can_assign(user, task=task)``,
  ``activation.assign(user)``;
* execute (``UpdateProcessView`` behind ``wrap_view(node, ...)``): under the same lock + atomic:
  load the task, check the flow, ``node.activation_class(task)``, ``node.can_execute(user, task=task)``,
  ``activation.start(request)``, then the view's ``form_valid``: the process ModelForm saves
  ``activation.process`` and ``activation.execute()`` completes the task and activates the next.

Left out, as they are not the engine: HTTP, session/auth middleware, template rendering, success
messages and success-URL reversing.  The task pk, which a browser takes from the URL, is looked up
by process and node.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.forms import modelform_factory
from django.http import Http404
from django.shortcuts import get_object_or_404
from viewflow.workflow.status import PROCESS

from .flows import PushFlow
from .models import PushProcess

OFFICER_GROUP = "vf_peer_officers"
DEPARTMENT_CODE = "SCJG"

# UpdateProcessView(fields=[...]) is a generic UpdateView: its form is this ModelForm.
ClaimForm = modelform_factory(PushProcess, fields=["claim_decision"])
PermitForm = modelform_factory(PushProcess, fields=["permit_decision"])


def prepare(n_officers: int = 4) -> dict:
    """Idempotently create the officers, in a group holding both task permissions."""
    group, _ = Group.objects.get_or_create(name=OFFICER_GROUP)
    perms = [PushFlow.claim_or_return._owner_permission, PushFlow.permit_feedback._owner_permission]
    codenames = [perm.split(".", 1)[1] for perm in perms]
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="viewflow_peer", codename__in=codenames)
    )
    user_model = get_user_model()
    officers = []
    for i in range(n_officers):
        user, created = user_model.objects.get_or_create(username=f"vf_officer_{i}")
        if created:
            user.set_unusable_password()
            user.save()
        user.groups.add(group)
        officers.append(user_model.objects.get(pk=user.pk))  # fresh: no stale permission cache
    for user in officers:
        if not all(user.has_perm(perm) for perm in perms):
            raise RuntimeError(f"{user} lacks {perms}")
    return {"officers": officers, "flow": PushFlow}


def _task_pk(process_pk: int, node) -> int:
    return (
        PushFlow.task_class._default_manager.filter(process_id=process_pk, flow_task=node)
        .values_list("pk", flat=True)
        .get()
    )


def _load_task(node, task_pk: int):
    task = get_object_or_404(node.flow_class.task_class, pk=task_pk)
    if task.process.flow_class != node.flow_class:
        raise Http404("No task matches the given query.")
    return task


def _assign(node, process_pk: int, task_pk: int, user) -> None:
    """POST to the node's assign URL: wrap_task_view + AssignTaskView.form_valid."""
    with node.flow_class.lock(process_pk), transaction.atomic():
        task = _load_task(node, task_pk)
        activation = node.activation_class(task)
        if not node.can_assign(user, task=task):
            raise PermissionDenied
        activation.assign(user)


def _execute(node, process_pk: int, task_pk: int, user, form_class, data: dict) -> None:
    """POST to the node's execute URL: wrap_view + UpdateProcessView.form_valid."""
    with node.flow_class.lock(process_pk), transaction.atomic():
        task = _load_task(node, task_pk)
        activation = node.activation_class(task)
        if not node.can_execute(user, task=task):
            raise PermissionDenied
        activation.start(None)  # ViewActivation.start ignores the request
        form = form_class(data=data, instance=activation.process)
        if not form.is_valid():
            raise ValueError(form.errors)
        form.save()
        activation.execute()


def run_case(ctx: dict, i: int) -> int:
    """One case: start with registration data, claim, permit feedback "not_applied"; returns the pk."""
    officers = ctx["officers"]
    officer = officers[i % len(officers)]
    process = PushFlow.start.run(
        enterprise_name=f"基准对照企业{i}有限公司",
        credit_code=f"91330000{i:010d}"[-18:],
        business_scope="食品销售；餐饮服务；日用百货销售",
        department_code=DEPARTMENT_CODE,
    )
    pk = process.pk

    node = PushFlow.claim_or_return
    task_pk = _task_pk(pk, node)
    _assign(node, pk, task_pk, officer)
    _execute(node, pk, task_pk, officer, ClaimForm, {"claim_decision": "claim"})

    node = PushFlow.permit_feedback
    task_pk = _task_pk(pk, node)
    _assign(node, pk, task_pk, officer)
    _execute(node, pk, task_pk, officer, PermitForm, {"permit_decision": "not_applied"})
    return pk


def count_done() -> int:
    return PushProcess.objects.filter(flow_class=PushFlow, status=PROCESS.DONE).count()
