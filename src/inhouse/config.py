"""Typed settings, read once from ``INHOUSE_*`` environment variables (and an optional .env)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Self

from platformdirs import user_data_dir
from pydantic import Field, model_validator
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
    earliest_date: date = Field(
        default=date(1900, 1, 1),
        description="The first day (inclusive) any date given to inhouse may be",
    )
    latest_date: date = Field(
        default=date(2199, 12, 31),
        description="The last day (inclusive) any date given to inhouse may be",
    )
    host: str = "127.0.0.1"
    port: int = 8000

    @model_validator(mode="after")
    def _window_in_order(self) -> Self:
        if self.latest_date < self.earliest_date:
            raise ValueError(
                f"INHOUSE_LATEST_DATE {self.latest_date} is before "
                f"INHOUSE_EARLIEST_DATE {self.earliest_date}"
            )
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
