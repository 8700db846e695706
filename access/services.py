"""Every write of access: a user's level on a tool, and the Can Push to Accounting privilege."""

from __future__ import annotations

from django.contrib.auth.models import Permission, User
from django.db import transaction
from django.db.models import Model
from guardian.shortcuts import assign_perm, remove_perm

from access.tools import CAN_PUSH_TO_ACCOUNTING, GRANTABLE_LEVELS, Level, Tool, level_codename


def _permission(codename: str) -> Permission:
    # The codenames of tool levels are unique across the apps that store them (see access.tools).
    return Permission.objects.get(codename=codename)


def grant(user: User, tool: Tool | str, level: Level, project: Model | None = None) -> None:
    """Give `user` exactly `level` on `tool`, on one project or company-wide (replacing what was there)."""
    tool = Tool(tool)
    if project is not None and not tool.is_project_tool:
        raise ValueError(f"{tool.label} is a company tool: grant it without a project.")
    with transaction.atomic():
        for other in GRANTABLE_LEVELS:
            permission = _permission(level_codename(tool, other))
            if project is None:
                user.user_permissions.remove(permission)
            else:
                remove_perm(permission, user, project)
        if level is not Level.NONE:
            permission = _permission(level_codename(tool, level))
            if project is None:
                user.user_permissions.add(permission)
            else:
                assign_perm(permission, user, project)
    forget_cached_access(user)


def set_push_privilege(user: User, allowed: bool) -> None:
    """Give or take the company-level Can Push to Accounting privilege."""
    permission = _permission(CAN_PUSH_TO_ACCOUNTING)
    if allowed:
        user.user_permissions.add(permission)
    else:
        user.user_permissions.remove(permission)
    forget_cached_access(user)


def forget_cached_access(user: User) -> None:
    """Drop what the gate and Django cached of the user's grants, so the next check reads them again."""
    for attribute in ("_erp_access", "_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        if hasattr(user, attribute):
            delattr(user, attribute)
