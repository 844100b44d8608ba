"""EventBridge rules whose target is a state machine, delivered as AWS delivers them.

moto sends an S3 bucket's Object Created events to EventBridge and matches them against rules,
but its rule targets stop at logs, SQS and event buses: a Step Functions target is dropped. This
fills that one gap: a matching event starts the target state machine with the event as input,
as EventBridge would. Nothing else (the pattern, the S3 event itself) is ours.
"""

from __future__ import annotations

import json
import uuid

from moto.events.models import Rule
from moto.utilities.arns import parse_arn

from localcloud.patching import SharedPatch

_saved: dict = {}


def _send_to_targets(self: Rule, original_event: dict, transform_input: bool = True) -> None:
    ours = [t for t in self.targets if parse_arn(t["Arn"]).service == "states"]
    others = [t for t in self.targets if t not in ours]
    if others:  # moto's own targets, as moto sends them
        kept, self.targets = self.targets, others
        try:
            _saved["send"](self, original_event, transform_input)
        finally:
            self.targets = kept
    if not ours or not self.event_pattern.matches_event(original_event):
        return
    from moto.stepfunctions.responses import get_backend

    for target in ours:
        arn = parse_arn(target["Arn"])
        get_backend(arn.account, arn.region).start_execution(
            target["Arn"], name=str(uuid.uuid4()), execution_input=json.dumps(original_event, default=str)
        )


def _apply() -> None:
    _saved["send"] = Rule.send_to_targets
    Rule.send_to_targets = _send_to_targets  # type: ignore[method-assign]


def _remove() -> None:
    Rule.send_to_targets = _saved.pop("send")  # type: ignore[method-assign]


_shared = SharedPatch(_apply, _remove)
install, uninstall = _shared.install, _shared.uninstall
