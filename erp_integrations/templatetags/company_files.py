"""`{% company_file_choice project as choice %}`: the company files a project may send its items to, and the
one it does (see `company_file_views.company_file_choice`)."""

from __future__ import annotations

from typing import Any

from django import template

from erp_integrations.company_file_views import company_file_choice as _choice
from procore_sync.models import Project

register = template.Library()


@register.simple_tag
def company_file_choice(project: Project) -> dict[str, Any]:
    return _choice(project)
