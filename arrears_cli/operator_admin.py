"""Administering operators: a user in the operators' Cognito pool and an entry in the roster,
bound to each other by the user's `sub` (a new user given an old name inherits nothing)."""

from __future__ import annotations

from datetime import date

from arrears.store import operators_repo

from arrears_cli.stackref import StackRef


class AdminRefused(RuntimeError):
    """Cognito refused the change (a weak password, an unknown user)."""


def _subject(user: dict) -> str:
    attributes = user.get("Attributes") or user.get("UserAttributes") or []
    return next(a["Value"] for a in attributes if a["Name"] == "sub")


def add_operator(
    stack: StackRef, username: str, level: str, name: str, password: str | None, email: str | None
) -> bool:
    """The operator can sign in and act at `level`. True: a new user; False: only the level changed."""
    cognito = stack.client("cognito-idp")
    try:
        user = cognito.admin_get_user(UserPoolId=stack.user_pool_id, Username=username)
        created = False
    except cognito.exceptions.UserNotFoundException:
        if not password and not email:
            raise AdminRefused(
                "a new operator needs --password, or --email for Cognito's invitation"
            ) from None
        invite = {} if not password else {"MessageAction": "SUPPRESS"}  # no password: Cognito emails one
        attributes = [{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}]
        user = cognito.admin_create_user(
            UserPoolId=stack.user_pool_id,
            Username=username,
            UserAttributes=attributes if email else [],
            **invite,
        )["User"]
        created = True
    try:
        if password:
            cognito.admin_set_user_password(
                UserPoolId=stack.user_pool_id, Username=username, Password=password, Permanent=True
            )
    except cognito.exceptions.InvalidPasswordException as exc:
        raise AdminRefused(
            f"the password does not meet the pool's policy: {exc.response['Error']['Message']}"
        ) from exc
    operators_repo.put_operator(username, level, name, date.today(), "admin", subject=_subject(user))
    return created


def disable_operator(stack: StackRef, username: str) -> None:
    operators_repo.disable_operator(username, date.today(), "admin")
    cognito = stack.client("cognito-idp")
    try:
        cognito.admin_disable_user(UserPoolId=stack.user_pool_id, Username=username)
        cognito.admin_user_global_sign_out(UserPoolId=stack.user_pool_id, Username=username)
    except cognito.exceptions.UserNotFoundException as exc:
        raise AdminRefused(f"no user {username!r} in the operators' pool") from exc
