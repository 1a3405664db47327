"""Process settings, read once from the environment (prefix CRM_, plus DATABASE_URL/REDIS_URL)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CRM_", extra="ignore")

    database_url: str = Field(
        "postgresql+asyncpg://postgres@127.0.0.1:5432/crm",
        validation_alias=AliasChoices("DATABASE_URL", "CRM_DATABASE_URL"),
    )
    # optional read replica for GET requests (lists, details, exports); unset: the primary
    read_database_url: str | None = None
    redis_url: str = Field(
        "redis://127.0.0.1:6379/0", validation_alias=AliasChoices("REDIS_URL", "CRM_REDIS_URL")
    )
    # Signing secret for access tokens. Unset: a random secret is generated once and kept
    # in the database (app_settings), so every API process of one deployment shares it.
    jwt_secret: str | None = None
    access_token_minutes: int = 15
    refresh_token_days: int = 14
    # Login protection: per (username, ip) and per ip windows, then a lock.
    login_attempts_per_minute: int = 10
    login_attempts_per_ip_per_minute: int = 60
    login_lock_after_failures: int = 5
    login_lock_minutes: int = 15
    # How often an API process asks Redis whether policies / organisation changed.
    authz_refresh_seconds: float = 1.0
    db_pool_size: int = 20
    db_max_overflow: int = 10
    log_level: str = "INFO"
    log_json: bool = True
    # when the worker recycles customers every night, China time (HH:MM)
    recycle_at: str = Field("02:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    # outbox delivery (worker): sends in flight at once, and at most this many per endpoint
    outbox_concurrency: int = Field(128, ge=1, le=2048)
    outbox_per_endpoint: int = Field(32, ge=1, le=1024)
    frontend_dist: str = "frontend/dist"
    # uploaded files (opportunity documents): CRM_FILE_STORAGE=local keeps them under CRM_FILES_DIR
    file_storage: str = "local"
    files_dir: str = ".data/files"
    admin_password: str | None = None
    demo: bool = False


@lru_cache
def get_settings() -> Settings:
    return Settings()
