"""Email through Amazon SES: the one place a message leaves for a customer's inbox."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from arrears.adapters import aws_clients
from arrears.domain.errors import StoreUnavailable


def send_email(sender: str, to: str, subject: str, html: str, region: str, reference: str) -> str:
    try:
        answer = aws_clients.client("ses", region).send_email(
            Source=sender,
            Destination={"ToAddresses": [to]},
            Message={
                "Subject": {"Data": subject, "Charset": "UTF-8"},
                "Body": {"Html": {"Data": html, "Charset": "UTF-8"}},
            },
            Tags=[{"Name": "letter", "Value": reference.replace("#", "-").replace("@", "-")[:255]}],
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] in ("Throttling", "ServiceUnavailable"):
            raise StoreUnavailable(f"SES: {exc.response['Error']['Code']}") from exc
        raise
    except BotoCoreError as exc:
        raise StoreUnavailable(f"SES: {exc}") from exc
    return answer["MessageId"]
