"""The handle every state function takes: what `Store.transaction()` yields, or `Store.db` for a read."""

from __future__ import annotations

import sqlite3
from typing import TypeAlias

Db: TypeAlias = sqlite3.Connection
