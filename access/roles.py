"""Roles and what each may do. A route asks for one permission; a role grants a set of them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    clinician = "clinician"  # ask questions, see their own history
    reviewer = "reviewer"  # clinician + the citation review queue and judgements
    curator = "curator"  # clinician + ingest guidelines and records
    admin = "admin"  # everything, including keys and the audit trail


class Permission(StrEnum):
    query = "query"
    review = "review"
    ingest = "ingest"
    admin = "admin"


GRANTS: dict[Role, frozenset[Permission]] = {
    Role.clinician: frozenset({Permission.query}),
    Role.reviewer: frozenset({Permission.query, Permission.review}),
    Role.curator: frozenset({Permission.query, Permission.ingest}),
    Role.admin: frozenset(Permission),
}


def roles_with(permission: Permission) -> list[Role]:
    return [role for role, granted in GRANTS.items() if permission in granted]


@dataclass(frozen=True)
class Principal:
    """An authenticated caller. ``actor`` names them in the audit trail: never a secret."""

    actor: str  # "key:<key id>" or "oidc:<subject>"
    role: Role | None  # None: a valid token that carries no role this API knows

    def may(self, permission: Permission) -> bool:
        return self.role is not None and permission in GRANTS[self.role]
