"""Signing in: Cognito tokens for the operators' API, kept in the operator's own config directory.

The file is the operator's alone (mode 0600, in a directory only they can read), one per user
pool, and holds the tokens Cognito issued; an expired access token is refreshed with the
refresh token, and when that has expired too the operator signs in again.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from arrears_cli.stackref import StackRef

REFRESH_MARGIN = 60  # refresh a token this close to its expiry rather than send it


class NotSignedIn(RuntimeError):
    """No session for this stack, or it cannot be refreshed: `arrears login`."""


@dataclass
class Session:
    username: str
    access_token: str
    refresh_token: str
    expires_at: float


def config_dir() -> Path:
    return Path(os.environ.get("ARREARS_CONFIG_DIR") or Path.home() / ".config" / "arrears")


def _path(stack: StackRef) -> Path:
    return config_dir() / f"session-{stack.user_pool_id or 'none'}.json"


def _from(answer: dict, username: str, refresh_token: str | None = None) -> Session:
    result = answer["AuthenticationResult"]
    return Session(
        username=username,
        access_token=result["AccessToken"],
        refresh_token=result.get("RefreshToken") or refresh_token or "",
        expires_at=time.time() + int(result.get("ExpiresIn", 3600)),
    )


def login(stack: StackRef, username: str, password: str, new_password: str | None = None) -> Session:
    """Sign in and keep the session in the operator's config directory."""
    session = sign_in(stack, username, password, new_password)
    save(stack, session)
    return session


def sign_in(stack: StackRef, username: str, password: str, new_password: str | None = None) -> Session:
    """Sign in with the pool's user and password (and set a new one where Cognito asks for it)."""
    if not stack.cli_client_id:
        raise NotSignedIn("this stack has no operators' user pool")
    cognito = stack.client("cognito-idp")
    try:
        answer = cognito.initiate_auth(
            ClientId=stack.cli_client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )
        if answer.get("ChallengeName") == "NEW_PASSWORD_REQUIRED":
            if not new_password:
                raise NotSignedIn("a new password is required: sign in again with --new-password")
            answer = cognito.respond_to_auth_challenge(
                ClientId=stack.cli_client_id,
                ChallengeName="NEW_PASSWORD_REQUIRED",
                Session=answer["Session"],
                ChallengeResponses={"USERNAME": username, "NEW_PASSWORD": new_password},
            )
    except cognito.exceptions.NotAuthorizedException as exc:
        raise NotSignedIn("wrong user name or password, or the user is disabled") from exc
    except cognito.exceptions.UserNotFoundException as exc:
        raise NotSignedIn("wrong user name or password, or the user is disabled") from exc
    if "AuthenticationResult" not in answer:
        challenge = answer.get("ChallengeName")
        raise NotSignedIn(f"the sign-in asks for {challenge}, which the CLI does not answer yet")
    return _from(answer, username)


def save(stack: StackRef, session: Session) -> None:
    directory = config_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = _path(stack)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        json.dump(asdict(session), file)
    os.chmod(path, 0o600)  # an existing file keeps its mode on open: make sure


def current(stack: StackRef) -> Session:
    """The signed-in session for this stack, refreshed if its access token is about to expire."""
    path = _path(stack)
    if not path.exists():
        raise NotSignedIn("not signed in: run `arrears login` first")
    session = Session(**json.loads(path.read_text()))
    fresh = refreshed(stack, session)
    if fresh is not session:
        save(stack, fresh)
    return fresh


def refreshed(stack: StackRef, session: Session) -> Session:
    """The same session, or a new access token for it if this one is about to expire."""
    if session.expires_at - REFRESH_MARGIN > time.time():
        return session
    cognito = stack.client("cognito-idp")
    try:
        answer = cognito.initiate_auth(
            ClientId=stack.cli_client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": session.refresh_token},
        )
    except cognito.exceptions.NotAuthorizedException as exc:
        raise NotSignedIn("the session has expired: run `arrears login` again") from exc
    return _from(answer, session.username, session.refresh_token)


def logout(stack: StackRef) -> bool:
    path = _path(stack)
    if not path.exists():
        return False
    session = Session(**json.loads(path.read_text()))
    # the refresh token stops working at once; signing out here works even if the pool is unreachable
    with contextlib.suppress(Exception):
        stack.client("cognito-idp").revoke_token(Token=session.refresh_token, ClientId=stack.cli_client_id)
    path.unlink()
    return True
