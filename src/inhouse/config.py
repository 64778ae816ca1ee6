"""Typed settings, read once from ``INHOUSE_*`` environment variables (and an optional .env)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from platformdirs import user_data_dir
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_database_url() -> str:
    """A SQLite file in the user's data directory: the embedded default."""
    folder = Path(user_data_dir("inhouse", appauthor=False))
    return f"sqlite:///{folder / 'inhouse.db'}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="INHOUSE_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default_factory=default_database_url,
        description="SQLAlchemy URL; PostgreSQL as postgresql+psycopg://user@host/db",
    )
    secret_key: str | None = Field(
        default=None, description="Signs sessions and CSRF tokens; required outside demo mode"
    )
    freshness_seconds: float = Field(
        default=1.0,
        ge=0,
        description="How long a server trusts its cached data before asking whether "
        "another process changed it (writes through the server itself count at once)",
    )
    host: str = "127.0.0.1"
    port: int = 8000


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
