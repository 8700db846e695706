"""Money is Decimal with two places, everywhere."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db import models

CENTS = Decimal("0.01")
ZERO = Decimal("0.00")


def money(value: Decimal | int | str) -> Decimal:
    return Decimal(value).quantize(CENTS, rounding=ROUND_HALF_UP)


class MoneyField(models.DecimalField):
    """Up to 13 integer digits and two decimals: what a qbXML amount can carry."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", 15)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("default", ZERO)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        return name, "django.db.models.DecimalField", args, kwargs
