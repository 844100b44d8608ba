"""bench/kms.py's meter: each KMS request put down to the Lambda function running on its thread, or to
the CLI's side; other services not counted. No AWS: botocore's Stubber answers."""

from __future__ import annotations

from dataclasses import dataclass

import boto3
from botocore.stub import Stubber

from bench.kms import CLI_SIDE, KmsMeter, fields_of

KEY = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"


def _client(service: str):
    return boto3.client(
        service, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )


@dataclass
class _Spec:
    logical_id: str


class _Runtime:
    """The local runtime's two methods the meter uses."""

    def __init__(self, work) -> None:
        self.work = work

    def spec(self, name: str) -> _Spec:
        return _Spec(name.rsplit("-", 1)[-1])

    def invoke(self, function_name, body, response_headers):
        return self.work()


def test_requests_are_put_down_to_the_function_that_made_them_or_to_the_cli():
    kms, s3 = _client("kms"), _client("s3")
    stub = Stubber(kms)
    decrypted = {"KeyId": KEY, "Plaintext": b"k" * 32}
    for _ in range(2):  # answered in the order they are asked
        stub.add_response("decrypt", decrypted, {"CiphertextBlob": b"x"})
    stub.add_response(
        "generate_data_key",
        {"KeyId": KEY, "Plaintext": b"k" * 32, "CiphertextBlob": b"c"},
        {"KeyId": KEY, "NumberOfBytes": 32},
    )
    stub.add_response("decrypt", decrypted, {"CiphertextBlob": b"x"})
    s3_stub = Stubber(s3)
    s3_stub.add_response("list_buckets", {"Buckets": []}, {})
    runtime = _Runtime(lambda: [kms.decrypt(CiphertextBlob=b"x") for _ in range(2)])
    meter = KmsMeter()

    with stub, s3_stub, meter.counting(runtime):
        runtime.invoke("stack-ProcessPageFunction", b"{}", {})  # a page Lambda opens two fields
        kms.generate_data_key(KeyId=KEY, NumberOfBytes=32)  # the import, on the CLI's side
        kms.decrypt(CiphertextBlob=b"x")
        s3.list_buckets()  # not KMS: not counted

    assert meter.by_caller() == {
        "ProcessPageFunction": {"Decrypt": 2},
        CLI_SIDE: {"Decrypt": 1, "GenerateDataKey": 1},
    }
    assert meter.total(("ProcessPageFunction",)) == 2 and meter.total() == 4
    assert runtime.invoke.__func__ is _Runtime.invoke  # the runtime is given back as it was


def test_the_fields_an_import_seals_are_the_name_and_each_point():
    rows = [
        {"name": "A B", "address_line1": "1 Main St", "email": "a@example.com", "phone": "+13125550101"},
        {"name": "C D", "address_line1": "2 Main St"},
        {"account_id": "no customer"},
    ]

    assert fields_of(rows) == 6
