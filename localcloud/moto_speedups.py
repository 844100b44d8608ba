"""Faster paths through moto's request handling; what a call answers does not change.

Profiled over a simulated month (py-spy, every thread holding the GIL): moto's model-driven
response serializer took about a sixth of all time, re-parsing each state machine's ASL on every
execution took seconds a day, and listing a handler's methods with `inspect` ran on every call.

- DynamoDB's data-plane answers are JSON whose shape is the result moto builds (AttributeValues
  are already in wire form), so they are written with `json.dumps`, dropping the `None` members
  moto's serializer leaves out. Anything else (errors, control-plane calls, a result that is not
  plain JSON) goes through moto's serializer as before. `tests/contract/test_local_speedups.py`
  parses both bodies with botocore, call by call over a real cycle, and requires them equal.
- The ANTLR parse tree of a definition is kept by its text: parsing is pure, and each execution
  still builds its own evaluation components from the tree, so no execution shares state.
- A JSONPath and an update expression are parsed once per text; an update-expression processor
  builds its map once, and its trees are copied without deepcopy's generic protocol.
- A handler class's method names are listed once per class, and botocore's model files read once.
- An update made only of SET, REMOVE and ADD-a-number on top-level attributes by placeholder is
  applied directly (`fast_update_item`); everything else, and anything moto could refuse, goes to
  moto's own update_item (`tests/contract/test_update_fast_path.py`).
"""

from __future__ import annotations

import copy
import json
import threading
from functools import lru_cache

from botocore.loaders import JSONFileLoader
from moto.cognitoidp import models as cognito_models
from moto.core import responses as moto_responses
from moto.dynamodb.comparisons import create_condition_expression_parser
from moto.dynamodb.exceptions import ConditionalCheckFailed
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DDBType, DynamoType
from moto.dynamodb.models.utilities import bytesize
from moto.dynamodb.parsing.ast_nodes import (
    DepthFirstTraverser,
    ExpressionAttributeName,
    ExpressionAttributeValue,
    Node,
    UpdateExpression,
    UpdateExpressionAddAction,
    UpdateExpressionAddActions,
    UpdateExpressionAddClause,
    UpdateExpressionPath,
    UpdateExpressionRemoveAction,
    UpdateExpressionRemoveActions,
    UpdateExpressionRemoveClause,
    UpdateExpressionSetAction,
    UpdateExpressionSetActions,
    UpdateExpressionSetClause,
    UpdateExpressionValue,
)
from moto.dynamodb.parsing.expressions import UpdateExpressionParser
from moto.dynamodb.responses import DynamoHandler
from moto.kms import models as kms_models
from moto.stepfunctions.parser.asl.component.common.path import result_path
from moto.stepfunctions.parser.asl.parse import asl_parser
from moto.stepfunctions.parser.asl.parse.preprocessor import Preprocessor
from moto.stepfunctions.parser.asl.utils import json_path

from localcloud.patching import SharedPatch

DATA_PLANE = frozenset(
    {
        "GetItem",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "Query",
        "Scan",
        "BatchGetItem",
        "BatchWriteItem",
        "TransactWriteItems",
        "TransactGetItems",
    }
)
JSON_CONTENT_TYPE = "application/x-amz-json-1.0"

_saved: dict = {}
# Kept across local clouds in one process: a definition's tree, a class's methods and botocore's
# data files do not change while it runs.
_trees: dict[str, object] = {}
_method_names: dict[type, list[str]] = {}
_data_files: dict[str, object] = {}
_unused_keys: dict[str, object] = {}
_lock = threading.Lock()


def _without_none(value):
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    return value


def fast_body(handler: DynamoHandler, result: object) -> str | None:
    """The JSON body of a data-plane answer, or None where moto's serializer must write it."""
    if handler._get_action() not in DATA_PLANE or not isinstance(result, dict):
        return None
    try:
        return json.dumps(_without_none(result))
    except (TypeError, ValueError):
        return None


def _install_dynamodb_answers() -> None:
    original = DynamoHandler.serialized
    _saved["serialized"] = original

    def serialized(self, action_result):
        body = fast_body(self, action_result.result)
        if body is None:
            return original(self, action_result)
        headers = {"Content-Type": JSON_CONTENT_TYPE, **self.response_headers}
        return 200, headers, body

    DynamoHandler.serialized = serialized  # type: ignore[method-assign]


def _install_parse_cache() -> None:
    parse = asl_parser.AmazonStateLanguageParser.parse
    _saved["parse"] = parse

    def cached_parse(definition: str):
        with _lock:
            tree = _trees.get(definition)
        if tree is None:
            _, tree = parse(definition)  # raises on a bad definition, and nothing is kept
            with _lock:
                _trees[definition] = tree
        return Preprocessor().visit(tree), tree

    asl_parser.AmazonStateLanguageParser.parse = staticmethod(cached_parse)  # type: ignore[method-assign]


def _install_method_names_cache() -> None:
    listing = moto_responses.method_names_from_class
    _saved["method_names"] = listing

    def method_names(clazz) -> list[str]:
        names = _method_names.get(clazz)
        if names is None:
            names = _method_names[clazz] = listing(clazz)
        return names

    moto_responses.method_names_from_class = method_names


def _install_data_file_cache() -> None:
    """moto gives each mock a fresh boto3 session, whose loader would read every model again."""
    load = JSONFileLoader.load_file
    _saved["load_file"] = load

    def load_file(self, file_path):
        if file_path not in _data_files:
            _data_files[file_path] = load(self, file_path)
        return _data_files[file_path]

    JSONFileLoader.load_file = load_file  # type: ignore[method-assign]


def _install_key_material_cache() -> None:
    """Key material moto makes for every resource but that nothing here reads.

    moto gives every KMS key an RSA private key, symmetric keys included (which never sign), and
    imports the one fixed Cognito signing key anew for each user pool; each costs a quarter of a
    second. A symmetric key now shares one unused RSA key; an asymmetric key still gets its own.
    The Cognito key is imported once: it is the same file every time.
    """
    generate = kms_models.generate_private_key
    _saved["generate_private_key"] = generate

    def private_key(key_spec: str):
        if key_spec != "SYMMETRIC_DEFAULT":
            return generate(key_spec)
        with _lock:
            if "symmetric" not in _unused_keys:
                _unused_keys["symmetric"] = generate(key_spec)
            return _unused_keys["symmetric"]

    kms_models.generate_private_key = private_key
    _saved["jwk"] = cognito_models.jwk
    cognito_models.jwk = _OnceImportedJwk(cognito_models.jwk)


class _OnceImportedJwk:
    """moto's `jwk` module, but an RSA key imported from the same JSON is imported once."""

    def __init__(self, jwk) -> None:
        self._jwk = jwk
        self.RSAKey = self  # moto calls jwk.RSAKey.import_key(...)

    def import_key(self, data, *args, **kwargs):
        if args or kwargs or not isinstance(data, dict | str):
            return self._jwk.RSAKey.import_key(data, *args, **kwargs)
        text = data if isinstance(data, str) else json.dumps(data, sort_keys=True)
        with _lock:
            if text not in _unused_keys:
                _unused_keys[text] = self._jwk.RSAKey.import_key(data)
            return _unused_keys[text]

    def __getattr__(self, name: str):
        return getattr(self._jwk, name)


def _install_json_path_cache() -> None:
    """moto's interpreter builds a new JSONPath parser (and reads its yacc tables) for every path
    of every state it enters; a parsed path is an immutable expression, kept by its text."""
    _saved["extract_parse"], _saved["result_parse"] = json_path.parse, result_path.parse
    json_path.parse = lru_cache(maxsize=4096)(json_path.parse)
    result_path.parse = lru_cache(maxsize=4096)(result_path.parse)


def _install_processing_map_cache() -> None:
    """moto's update-expression processors rebuild their node-type map for every node they visit;
    each processor's map is fixed (its node types and bound methods), so it is built once per
    processor. An update's validation walks its expression about ten times."""
    _saved["nodes_to_be_processed"] = DepthFirstTraverser.nodes_to_be_processed
    _saved["process"] = DepthFirstTraverser.process

    def processing(self) -> dict:
        known = self.__dict__.get("_arrears_map")
        if known is None:
            known = self.__dict__["_arrears_map"] = self._processing_map()
        return known

    def nodes_to_be_processed(self):
        types = self.__dict__.get("_arrears_types")
        if types is None:
            types = self.__dict__["_arrears_types"] = tuple(processing(self))
        return types

    def process(self, node):
        for class_key, processor in processing(self).items():
            if isinstance(node, class_key):
                return processor(node)
        return None

    DepthFirstTraverser.nodes_to_be_processed = nodes_to_be_processed  # type: ignore[method-assign]
    DepthFirstTraverser.process = process  # type: ignore[method-assign]


def _install_update_expression_cache() -> None:
    """moto parses an update expression twice per call and then deep-copies the tree for each
    validation (the validator works on its own copy, so a kept tree is never changed): the tree
    is kept by its text, and copied by a plain copy of each node's attributes (what deepcopy does
    for these classes, without its generic reduce protocol)."""
    make = UpdateExpressionParser.make
    _saved["make"] = make
    _saved["node_deepcopy"] = Node.__dict__.get("__deepcopy__")
    UpdateExpressionParser.make = classmethod(lru_cache(maxsize=1024)(make.__func__))  # type: ignore[method-assign]

    def node_copy(self, memo):
        copied = self.__class__.__new__(self.__class__)
        memo[id(self)] = copied
        copied.__dict__.update({k: copy.deepcopy(v, memo) for k, v in self.__dict__.items()})
        return copied

    Node.__deepcopy__ = node_copy


# The plain actions of an update expression, by its text: ("SET" | "REMOVE" | "ADD", name
# placeholder, value placeholder or None); None when the expression has anything else.
Plan = tuple[tuple[str, str, str | None], ...]
SIMPLE_ACTIONS = {
    UpdateExpressionSetAction: "SET",
    UpdateExpressionRemoveAction: "REMOVE",
    UpdateExpressionAddAction: "ADD",
}
CLAUSES = (UpdateExpressionSetClause, UpdateExpressionRemoveClause, UpdateExpressionAddClause)
CONTAINERS = (
    UpdateExpression,
    *CLAUSES,
    UpdateExpressionSetActions,
    UpdateExpressionRemoveActions,
    UpdateExpressionAddActions,
)
# moto refuses an item above this many bytes while it sets each attribute (LimitedSizeDict).
ITEM_SIZE_LIMIT = 405000


@lru_cache(maxsize=1024)
def simple_plan(expression: str) -> Plan | None:
    """The actions of an expression made only of `SET #n = :v`, `REMOVE #n` and `ADD #n :v` on
    top-level attributes named by placeholders (what pynamodb and Powertools write); None for
    anything else, which moto then handles itself. Each action names a different attribute (see
    `_resolved`), so the order they run in does not change the item."""
    try:
        tree = UpdateExpressionParser.make(expression)
    except Exception:  # noqa: BLE001 - moto raises its own error when it parses it
        return None
    actions: list[tuple[str, str, str | None]] = []
    clauses: list[type] = []

    def walk(node) -> bool:
        kind = SIMPLE_ACTIONS.get(type(node))
        if kind is not None:
            action = _simple_action(kind, node)
            if action is None:
                return False
            actions.append(action)
            return True
        if type(node) not in CONTAINERS:
            return False
        if type(node) in CLAUSES:
            clauses.append(type(node))
        return all(walk(child) for child in node.children)

    if not walk(tree) or len(clauses) != len(set(clauses)):
        return None  # moto: at most one clause of each kind
    return tuple(actions)


def _simple_action(kind: str, node) -> tuple[str, str, str | None] | None:
    path = node.children[0]
    if not isinstance(path, UpdateExpressionPath) or len(path.children) != 1:
        return None
    name = path.children[0]
    if type(name) is not ExpressionAttributeName:
        return None
    placeholder = name.get_attribute_name_placeholder()
    if kind == "REMOVE":
        return (kind, placeholder, None) if len(node.children) == 1 else None
    value = node.children[1]
    if kind == "SET":
        if not isinstance(value, UpdateExpressionValue) or len(value.children) != 1:
            return None
        value = value.children[0]
    if type(value) is not ExpressionAttributeValue:
        return None
    return kind, placeholder, value.get_value_name()


def _resolved(plan: Plan, table, item, names: dict, values: dict) -> list | None:
    """The plan's writes as (kind, attribute, DynamoType); None when moto could refuse the update
    (an undefined placeholder, a key attribute, one attribute twice, a non-number ADD, a size near
    the limit), so that moto itself answers."""
    writes, targets = [], set()
    typed = set(table.attribute_keys) | {d["AttributeName"] for d in table.attr}
    size = sum(bytesize(key) + value.size() for key, value in item.attrs.items())
    for kind, placeholder, value_name in plan:
        attribute = names.get(placeholder)
        if (
            attribute is None
            or attribute in targets
            or attribute in table.table_key_attrs
            or placeholder in typed
        ):
            return None  # moto's key-type checks read the placeholder itself
        targets.add(attribute)
        value = None
        if value_name is not None:
            if value_name not in values:
                return None
            value = DynamoType(values[value_name])
        if kind == "ADD":
            existing = item.attrs.get(attribute)
            if value.type != DDBType.NUMBER or (existing is not None and existing.type != DDBType.NUMBER):
                return None
            value = (existing or DynamoType({DDBType.NUMBER: "0"})) + value
        if value is not None:
            size += bytesize(attribute) + value.size()
        writes.append((kind, attribute, value))
    return writes if size <= ITEM_SIZE_LIMIT else None


MOTO_UPDATE_ITEM = DynamoDBBackend.update_item


def _full_key(table, key: dict) -> bool:
    """The key names the table's hash key and, if it has one, its range key (what moto requires
    to read one item); anything else is left to moto's own answer."""
    return table.hash_key_attr in key and (not table.has_range_key or table.range_key_attr in key)


def fast_update_item(
    self: DynamoDBBackend, table_name, key, update_expression, expression_attribute_names,
    expression_attribute_values, attribute_updates=None, expected=None, condition_expression=None,
    return_values_on_condition_check_failure=None,
):  # fmt: skip
    """moto validates an update by walking its expression tree ten times and then sizes the whole
    item at every attribute it sets; for the plain actions our writers use, the same result comes
    from resolving each placeholder once. Anything moto could refuse, and every other expression,
    takes moto's own path; `tests/contract/test_update_fast_path.py` compares both on the same items."""
    args = (
        table_name,
        key,
        update_expression,
        expression_attribute_names,
        expression_attribute_values,
        attribute_updates,
        expected,
        condition_expression,
        return_values_on_condition_check_failure,
    )
    plan = (
        simple_plan(update_expression)
        if update_expression and not attribute_updates and not expected
        else None
    )
    table = self.get_table(table_name) if plan is not None else None
    if table is None or table.stream_shard is not None or not _full_key(table, key):
        return MOTO_UPDATE_ITEM(self, *args)
    item = table.get_item(*self.get_keys_value(table, key))
    names, values = expression_attribute_names or {}, expression_attribute_values or {}
    writes = None if item is None else _resolved(plan, table, item, names, values)
    if writes is None:
        return MOTO_UPDATE_ITEM(self, *args)
    condition = create_condition_expression_parser(
        condition_expression, expression_attribute_names, expression_attribute_values
    ).parse()
    if not condition.expr(item):
        if return_values_on_condition_check_failure == "ALL_OLD":
            raise ConditionalCheckFailed(item=item.to_json()["Attributes"])
        raise ConditionalCheckFailed
    for kind, attribute, value in writes:
        if kind == "REMOVE":
            item.attrs.pop(attribute, None)
        else:  # within the size limit at every step: the bound in _resolved adds every new value
            dict.__setitem__(item.attrs, attribute, value)
    return item


def _apply() -> None:
    DynamoDBBackend.update_item = fast_update_item  # type: ignore[method-assign]
    _install_json_path_cache()
    _install_processing_map_cache()
    _install_update_expression_cache()
    _install_data_file_cache()
    _install_key_material_cache()
    _install_dynamodb_answers()
    _install_parse_cache()
    _install_method_names_cache()


def _remove() -> None:
    DynamoDBBackend.update_item = MOTO_UPDATE_ITEM  # type: ignore[method-assign]
    DynamoHandler.serialized = _saved.pop("serialized")  # type: ignore[method-assign]
    asl_parser.AmazonStateLanguageParser.parse = staticmethod(_saved.pop("parse"))  # type: ignore[method-assign]
    moto_responses.method_names_from_class = _saved.pop("method_names")
    json_path.parse, result_path.parse = _saved.pop("extract_parse"), _saved.pop("result_parse")
    DepthFirstTraverser.nodes_to_be_processed = _saved.pop("nodes_to_be_processed")  # type: ignore[method-assign]
    DepthFirstTraverser.process = _saved.pop("process")  # type: ignore[method-assign]
    UpdateExpressionParser.make = _saved.pop("make")  # type: ignore[method-assign]
    if _saved.pop("node_deepcopy") is None:
        del Node.__deepcopy__
    JSONFileLoader.load_file = _saved.pop("load_file")  # type: ignore[method-assign]
    kms_models.generate_private_key = _saved.pop("generate_private_key")
    cognito_models.jwk = _saved.pop("jwk")


_shared = SharedPatch(_apply, _remove)
install, uninstall = _shared.install, _shared.uninstall
