"""`{% name_in_use_of item as conflict %}`: what the item's page offers for a name QuickBooks holds for another
record (see `erp_integrations.name_in_use`), for the user of the request; None for any other item."""

from __future__ import annotations

from django import template

from erp_integrations import name_in_use
from erp_integrations.models import ErpItem

register = template.Library()


@register.simple_tag(takes_context=True)
def name_in_use_of(context: template.Context, item: ErpItem) -> name_in_use.NameInUse | None:
    request = context.get("request")
    return name_in_use.name_in_use(item, request.user if request is not None else None)
