"""Process-wide patches that local clouds alive at the same time share.

A test session keeps one local cloud for its whole run while a test may start another (the
CLI's, behind a port): the first to start applies a patch and only the last to stop removes it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class SharedPatch:
    def __init__(self, apply: Callable[[], None], remove: Callable[[], None]) -> None:
        self._apply, self._remove = apply, remove
        self._users = 0
        self._lock = threading.Lock()

    def install(self) -> None:
        with self._lock:
            self._users += 1
            if self._users == 1:
                self._apply()

    def uninstall(self) -> None:
        with self._lock:
            if self._users == 0:
                return
            self._users -= 1
            if self._users == 0:
                self._remove()
