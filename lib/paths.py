"""Default locations, shared by the app and the command line (both let the environment override them)."""

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def default_data_dir() -> Path:
    return Path(os.environ.get("SCE_DATA_DIR") or PROJECT_ROOT / "data").expanduser()


def default_store() -> Path:
    return Path(os.environ.get("SCE_STORE") or default_data_dir() / "mentions.duckdb").expanduser()
