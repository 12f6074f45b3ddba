"""公示系统: the public, anonymous pages (search, enterprise page, 异议), under ``/gs/``.

It reads the directory (``casework.directory``) and what lifecycles register in
``casework.portal.registry``; it names no lifecycle.
"""
