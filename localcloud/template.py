"""Reads template.yaml and resolves the intrinsic functions the local stack needs."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cfn_tools import load_yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"


_loaded: dict[tuple[Path, int], dict] = {}


def load_template(path: Path = TEMPLATE) -> dict:
    """cfn-flip's loader reads the short forms (!Ref, !GetAtt, !Sub) as their long ones. Not cfn-lint's:
    importing it costs a second and a half (sympy), paid by every `arrears` command that starts a
    local cloud and by every test worker; the two read our template the same (decision 51).

    Read once per version of the file (a test suite starts hundreds of local clouds); each
    caller gets its own copy.
    """
    version = (path.resolve(), path.stat().st_mtime_ns)
    if version not in _loaded:
        _loaded[version] = _plain(load_yaml(path.read_text(encoding="utf-8")))
    return copy.deepcopy(_loaded[version])


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


def resources_of_type(template: dict, kind: str) -> dict[str, dict]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


@dataclass
class Resolver:
    """Physical names and ARNs of what the local stack created, to resolve Ref/GetAtt/Sub against."""

    stack_name: str
    region: str
    account_id: str
    parameters: dict[str, str] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)
    attributes: dict[tuple[str, str], str] = field(default_factory=dict)

    def pseudo(self) -> dict[str, str]:
        return {
            "AWS::StackName": self.stack_name,
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        }

    def ref(self, name: str) -> str:
        for table in (self.pseudo(), self.parameters, self.refs):
            if name in table:
                return table[name]
        raise KeyError(f"Ref {name} does not resolve locally")

    def get_att(self, name: str, attribute: str) -> str:
        try:
            return self.attributes[(name, attribute)]
        except KeyError:
            raise KeyError(f"GetAtt {name}.{attribute} does not resolve locally") from None

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if set(value) == {"Ref"}:
            return self.ref(value["Ref"])
        if set(value) == {"Fn::GetAtt"}:
            target = value["Fn::GetAtt"]
            name, attribute = target.split(".", 1) if isinstance(target, str) else target
            return self.get_att(name, attribute)
        if set(value) == {"Fn::Sub"}:
            return self._sub(value["Fn::Sub"])
        return {k: self.resolve(v) for k, v in value.items()}

    def _sub(self, spec: str | list) -> str:
        text, variables = (spec, {}) if isinstance(spec, str) else (spec[0], self.resolve(spec[1]))

        def one(match: re.Match) -> str:
            token = match.group(1)
            if token.startswith("!"):
                return "${" + token[1:] + "}"
            if token in variables:
                return str(variables[token])
            if "." in token:
                return self.get_att(*token.split(".", 1))
            return self.ref(token)

        return re.sub(r"\$\{([^}]+)\}", one, text)


def substitute_definition(definition: str, substitutions: dict[str, str]) -> str:
    """What Step Functions does with DefinitionSubstitutions; an unknown ${Name} is an error."""

    def one(match: re.Match) -> str:
        name = match.group(1)
        if name not in substitutions:
            raise KeyError(f"definition names ${{{name}}} but DefinitionSubstitutions does not")
        return substitutions[name]

    return re.sub(r"\$\{([A-Za-z0-9_]+)\}", one, definition)
