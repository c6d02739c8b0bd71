"""Settings from the environment and an optional `.env` (see `.env.example`)."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from handlers.calendar import check_calendar

PUBLIC_TEAMS_SERVICE_HOSTS = ("smba.trafficmanager.net", "smba.infra.gcc.teams.microsoft.com")
BOT_FRAMEWORK_OPENID_METADATA = "https://login.botframework.com/v1/.well-known/openidconfiguration"


class ConfigError(Exception):
    """A setting is missing or wrong; the message is one line naming it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    teams_app_id: str = ""
    teams_app_password: SecretStr | None = None
    teams_tenant_id: str = ""
    teams_allow_anonymous: bool = False
    # Hosts the Bot Framework may name as an activity's serviceUrl (the bot sends its token there)
    teams_service_url_hosts: Annotated[frozenset[str], NoDecode] = frozenset(PUBLIC_TEAMS_SERVICE_HOSTS)
    # OpenID metadata documents whose issuers and keys sign incoming tokens (empty: the public cloud's)
    teams_openid_metadata: Annotated[tuple[str, ...], NoDecode] = ()
    # Where the bot gets its own token (empty: https://login.microsoftonline.com/<TEAMS_TENANT_ID>)
    teams_authority: str = ""
    database_url: str = "sqlite:///techcommit.db"
    timezone: str = "Europe/London"
    plan_year_start_month: int = Field(default=11, ge=1, le=12)
    cpd_year_start_month: int = Field(default=1, ge=1, le=12)
    cpd_annual_target_hours: float = Field(default=30, gt=0, le=2000)
    admin_user_ids: Annotated[frozenset[str], NoDecode] = frozenset()
    plan_report_channel: str = ""
    event_reminder_hours: int = Field(default=24, ge=1, le=24 * 14)
    plan_followup_days: int = Field(default=14, ge=1, le=80)
    public_holidays: str = "GB-ENG"
    scheduler_enabled: bool = True
    scheduler_interval_seconds: int = Field(default=60, ge=5, le=3600)
    slack_post_rate: float = Field(default=5, gt=0, le=1000)
    # operations
    port: int = Field(default=3000, ge=1, le=65535)
    http_threads: int = Field(default=16, ge=1, le=256)
    web_workers: int = Field(default=1, ge=1, le=64)
    listener_threads: int = Field(default=32, ge=1, le=512)
    log_level: str = "INFO"

    @field_validator("admin_user_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("teams_service_url_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            hosts = frozenset(part.strip().lower() for part in value.split(",") if part.strip())
            for host in hosts:
                if "/" in host or "@" in host:
                    raise ValueError(f"{host!r} is not a host name (try smba.trafficmanager.net)")
            return hosts
        return value

    @field_validator("teams_openid_metadata", mode="before")
    @classmethod
    def _split_urls(cls, value: object) -> object:
        if isinstance(value, str):
            urls = tuple(part.strip() for part in value.split(",") if part.strip())
            for url in urls:
                if not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
                    raise ValueError(f"{url!r} is not an https URL (try {BOT_FRAMEWORK_OPENID_METADATA})")
            return urls
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (try Europe/London)") from None
        return value

    @field_validator("public_holidays")
    @classmethod
    def _known_calendar(cls, value: str) -> str:
        return check_calendar(value.strip())

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"

    @property
    def teams_enabled(self) -> bool:
        """Teams is served when an app id is configured, or anonymous use is allowed for local testing."""
        return bool(self.teams_app_id) or self.teams_allow_anonymous

    @property
    def teams_metadata_urls(self) -> tuple[str, ...]:
        """The OpenID metadata documents of the accepted token issuers: TEAMS_OPENID_METADATA, or else
        the Bot Framework's and, with TEAMS_TENANT_ID, the tenant's Entra ID (v2 and v1 issuers)."""
        if self.teams_openid_metadata:
            return self.teams_openid_metadata
        tenant = self.teams_tenant_id
        entra = f"https://login.microsoftonline.com/{tenant}"
        tenant_urls = (f"{entra}/v2.0/.well-known/openid-configuration", f"{entra}/.well-known/openid-configuration")
        return (BOT_FRAMEWORK_OPENID_METADATA, *(tenant_urls if tenant else ()))

    @property
    def slack_enabled(self) -> bool:
        return bool(self.secret("slack_bot_token"))

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def require(self, *names: str) -> None:
        """Raise ConfigError naming every one of `names` that is not set, in one line."""
        missing = []
        for name in names:
            value = getattr(self, name)
            if not (value.get_secret_value() if isinstance(value, SecretStr) else value):
                missing.append(name.upper())
        if len(missing) == 1:
            raise ConfigError(f"{missing[0]} is not set: put it in the environment or in .env (see .env.example)")
        if missing:
            listed = ", ".join(missing[:-1]) + f" and {missing[-1]}"
            raise ConfigError(f"{listed} are not set: put them in the environment or in .env (see .env.example)")

    def secret(self, name: str) -> str:
        """The value of a secret setting (after `require`)."""
        value = getattr(self, name)
        return value.get_secret_value() if isinstance(value, SecretStr) else ""

    def secret_values(self) -> list[str]:
        """Every secret that is set (tokens, signing secret, Teams password), for scrubbing from logs."""
        values = (getattr(self, name) for name in type(self).model_fields)
        return [v.get_secret_value() for v in values if isinstance(v, SecretStr) and v.get_secret_value()]


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning validation errors into one ConfigError line per problem."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in err['loc']).upper()}: {err['msg']}" for err in exc.errors())
        raise ConfigError(f"bad setting — {problems}") from None
