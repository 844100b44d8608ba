"""moto's services that this stack never calls are imported only if something calls them.

moto's Step Functions interpreter imports `moto.batch.utils` (for its Batch task states), and
`moto.batch`'s package imports its whole backend, which builds EC2's catalogue of regions, zones
and instance types: about 1.7 s in every process that runs a state machine (each test worker,
`arrears local up`, `arrears simulate`), for a service the template never uses. The package is
stood in for by one whose attributes import the real package when first asked for, so a Batch
call, or moto's server routing one, still meets the real backend.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from pathlib import Path

DEFERRED = ("moto.batch",)


def defer_unused_services() -> None:
    for name in DEFERRED:
        if name not in sys.modules:
            sys.modules[name] = _deferred_package(name)


def _deferred_package(name: str) -> types.ModuleType:
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.origin is not None, f"{name} is not installed"  # nosec B101
    stand_in = types.ModuleType(name)
    stand_in.__path__ = [str(Path(spec.origin).parent)]  # its submodules import as before
    stand_in.__file__ = spec.origin

    def real_attribute(attribute: str):
        if attribute.startswith("__") and attribute.endswith("__"):
            # a look at the module's own description (Hypothesis reads every module's for
            # constants) is no call into the service
            raise AttributeError(attribute)
        if sys.modules.get(name) is stand_in:
            del sys.modules[name]
            real = importlib.import_module(name)
            for child, module in list(sys.modules.items()):  # submodules already imported stay
                if child.startswith(name + ".") and not hasattr(real, child.rsplit(".", 1)[1]):
                    setattr(real, child.rsplit(".", 1)[1], module)
        return getattr(sys.modules[name], attribute)

    stand_in.__getattr__ = real_attribute  # type: ignore[method-assign]
    return stand_in
