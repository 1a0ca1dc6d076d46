"""The handle every state function takes: the connection `Store.transaction()` yields, or `Store.db` for reads.

Code outside daemon/state/ names the type through this alias and never imports sqlite3 itself.
"""

from __future__ import annotations

import sqlite3

Db = sqlite3.Connection
# What the store raises when it is busy, locked or cannot write (a full disk): docketd's trouble, not the input's.
StoreOperationalError = sqlite3.OperationalError
