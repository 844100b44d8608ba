"""Step Functions Waits and retry back-offs without real sleeping, and only those two.

moto's interpreter sleeps in the retrier (`time.sleep`) and blocks Wait states on an event;
locally a back-off of minutes must not cost minutes. We swap the `time` those two modules
see for one whose sleep returns at once, and make Wait intervals return immediately.
"""

from __future__ import annotations

import types

from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from moto.stepfunctions.parser.asl.component.state.wait.wait_function import wait_function

from localcloud.patching import SharedPatch

_state: dict = {}


class _Time(types.SimpleNamespace):
    pass


def _apply() -> None:
    import time as real_time

    fake = _Time(**{n: getattr(real_time, n) for n in dir(real_time) if not n.startswith("__")})
    fake.sleep = lambda seconds: None
    _state["time"] = retrier_decl.time
    _state["wait"] = wait_function.WaitFunction._wait_interval
    retrier_decl.time = fake
    wait_function.WaitFunction._wait_interval = lambda self, env, wait_seconds: None


def _remove() -> None:
    retrier_decl.time = _state.pop("time")
    wait_function.WaitFunction._wait_interval = _state.pop("wait")


_shared = SharedPatch(_apply, _remove)
install, uninstall = _shared.install, _shared.uninstall
