"""The tools a user holds a level on, and the level names.

Project tools are granted per project (django-guardian object permissions on the project) or for the
whole company (a global permission, which then applies to every project). ERP Integrations is a company
tool. The codenames below are the permissions that store the grants; `access.permissions`
reads them.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class Level(IntEnum):
    NONE = 0
    READ_ONLY = 1
    STANDARD = 2
    ADMIN = 3

    @property
    def label(self) -> str:
        return {0: "None", 1: "Read Only", 2: "Standard", 3: "Admin"}[self.value]

    @property
    def slug(self) -> str:
        return self.name.lower()

    @classmethod
    def from_slug(cls, slug: str) -> Level:
        normalised = slug.strip().lower().replace("-", "_").replace(" ", "_")
        try:
            return cls[normalised.upper()]
        except KeyError:
            raise ValueError(f"unknown level {slug!r}: use none, read_only, standard or admin") from None


class Tool(StrEnum):
    ADMIN = "admin"
    BUDGET = "budget"
    COMMITMENTS = "commitments"
    CHANGE_ORDERS = "change_orders"
    INVOICING = "invoicing"
    DIRECTORY = "directory"
    PRIME_CONTRACT = "prime_contract"
    REPORTS = "reports"
    # Time entries of a project's crews, which go to QuickBooks payroll.
    TIMESHEETS = "timesheets"
    ERP_INTEGRATIONS = "erp_integrations"

    @property
    def label(self) -> str:
        return {
            "admin": "Admin",
            "budget": "Budget",
            "commitments": "Commitments",
            "change_orders": "Change Orders",
            "invoicing": "Invoicing",
            "directory": "Directory",
            "prime_contract": "Prime Contract",
            "reports": "Reports",
            "timesheets": "Timesheets",
            "erp_integrations": "ERP Integrations",
        }[self.value]

    @property
    def is_project_tool(self) -> bool:
        return self is not Tool.ERP_INTEGRATIONS


PROJECT_TOOLS = [tool for tool in Tool if tool.is_project_tool]
GRANTABLE_LEVELS = [Level.READ_ONLY, Level.STANDARD, Level.ADMIN]
CAN_PUSH_TO_ACCOUNTING = "can_push_to_accounting"


def level_codename(tool: Tool, level: Level) -> str:
    return f"{tool.value}_{level.slug}"


def project_tool_permissions() -> tuple[tuple[str, str], ...]:
    return tuple(
        (level_codename(tool, level), f"{level.label} on {tool.label}")
        for tool in PROJECT_TOOLS
        for level in GRANTABLE_LEVELS
    )


def erp_permissions() -> tuple[tuple[str, str], ...]:
    return tuple(
        (level_codename(Tool.ERP_INTEGRATIONS, level), f"{level.label} on ERP Integrations")
        for level in GRANTABLE_LEVELS
    ) + ((CAN_PUSH_TO_ACCOUNTING, "Can Push to Accounting"),)
