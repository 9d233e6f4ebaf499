"""Settings of the operator API, read from the environment (and an optional `.env`)."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Everything the API reads from its environment; defaults suit a laptop."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    data_dir: Path = Field(default=PROJECT_ROOT / "var", alias="EMILE_DATA_DIR")
    database_url: str | None = Field(default=None, alias="DATABASE_URL")
    sqlite_busy_timeout_ms: int = Field(default=15_000, alias="EMILE_SQLITE_BUSY_TIMEOUT_MS")
    territories_file: Path = Field(
        default=PROJECT_ROOT / "data" / "territories.yml", alias="EMILE_TERRITORIES_FILE"
    )
    retention_days: int = Field(default=730, alias="EMILE_RETENTION_DAYS")
    timezone: str = Field(default="Europe/Paris", alias="EMILE_TIMEZONE")
    page_size_max: int = Field(default=200, alias="EMILE_PAGE_SIZE_MAX")
    max_body_bytes: int = Field(default=64 * 1024, ge=1, alias="EMILE_MAX_BODY_BYTES")
    # `limits` notation ("600/minute", "20/second"); "off" disables it. Counted per process.
    rate_limit: str = Field(default="600/minute", alias="EMILE_RATE_LIMIT")
    applications_per_phone: int = Field(default=3, ge=1, alias="EMILE_APPLICATIONS_PER_PHONE")
    callbacks_per_phone: int = Field(default=3, ge=1, alias="EMILE_OPEN_CALLBACKS_PER_PHONE")
    phone_quota_days: int = Field(default=30, ge=1, alias="EMILE_PHONE_QUOTA_DAYS")
    # How long a checked API key is trusted without reading it again: a key revoked by
    # `emile-api revoke-key` (another process) stops working within this time. 0: never kept.
    key_cache_seconds: float = Field(default=5.0, ge=0, alias="EMILE_KEY_CACHE_SECONDS")
    # Read audit entries are written together at most this often; a crash loses at most this
    # much of them (changes are audited in their own transaction). 0: one write per read.
    audit_batch_ms: int = Field(default=50, ge=0, alias="EMILE_AUDIT_BATCH_MS")

    @property
    def effective_database_url(self) -> str:
        """The configured URL, or a SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'emile.db'}"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, built on first use."""
    return Settings()
