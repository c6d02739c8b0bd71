"""How people are identified: per platform, by the platform's own workspace and user ids."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PersonId:
    """A person on one chat platform (Slack: team and user id; Teams: tenant and AAD id)."""

    platform: str
    team_id: str
    user_id: str

    def __str__(self) -> str:
        return f"{self.platform}:{self.team_id}:{self.user_id}"
