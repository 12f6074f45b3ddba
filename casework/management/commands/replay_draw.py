"""``manage.py replay_draw ID``: re-run a stored 双随机 draw and prove the identical result.

The command belongs to the lifecycle that registers it (``extensions.register_command``)."""

from casework.workbench.extensions import registered_command

Command = registered_command("replay_draw")
