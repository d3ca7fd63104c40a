"""The official Python MCP SDK client (`mcp` on PyPI, pinned in run.sh) against a real NewLedger
server, from nothing but the company's MCP URL, in the 2026-07-28 era first (the SDK's default
`auto` mode probes `server/discover` and falls back to the initialize handshake only on a
server that lacks it; the era used is checked below).

The SDK's own OAuthClientProvider does discovery, dynamic registration, PKCE, the code exchange
and the refresh; the person (sign-in, TOTP, consent, and later deleting the connection) is
lib/person.mjs, the same scripted person as the TypeScript client's, run as a command. Each
check prints one line; the last line is the tally.
"""

import asyncio
import os
import subprocess
import sys
import time
from urllib.parse import parse_qs, urlparse

import httpx2
from mcp import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthClientMetadata, OAuthToken

BASE = os.environ["NL_BASE"]
MCP_URL = f"{BASE}/mcp/{os.environ['NL_COMPANY']}"
HERE = os.path.dirname(os.path.abspath(__file__))
NODE = os.environ.get("NL_NODE", "node")
NAME = "Python SDK client"
REDIRECT = "http://127.0.0.1:33419/callback"

passed = 0
failed = 0


def check(ok: bool, what: str) -> None:
    global passed, failed
    if ok:
        passed += 1
        print(f"ok - {what}")
    else:
        failed += 1
        print(f"not ok - {what}")


def person(*args: str) -> str:
    r = subprocess.run([NODE, os.path.join(HERE, "lib", "person.mjs"), *args], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"person {args[0]} failed: {r.stderr}")
    return r.stdout.strip()


class Memory:
    """TokenStorage in memory."""

    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


class Browser:
    """Where the SDK sends the person, and the callback it waits for."""

    def __init__(self) -> None:
        self.approving = True
        self.visits = 0
        self.callback: str | None = None

    async def redirect(self, url: str) -> None:
        self.visits += 1
        if self.approving:
            self.callback = await asyncio.to_thread(person, "approve", url)

    async def wait_callback(self) -> AuthorizationCodeResult:
        if not self.approving or self.callback is None:
            raise RuntimeError("nobody approved: the connection was deleted")
        q = parse_qs(urlparse(self.callback).query)
        one = lambda k: q.get(k, [None])[0]  # noqa: E731
        return AuthorizationCodeResult(code=one("code"), state=one("state"), iss=one("iss"))


def draft_args(accounts: list[dict], key: str) -> dict:
    live = [a for a in accounts if not a.get("archived")]
    expense = next(a for a in live if a["class"] == "expense" and a["role"] == "general")
    bank = next(a for a in live if a["role"] == "bank")
    return {
        "idempotency_key": key,
        "date": time.strftime("%Y-%m-%d", time.gmtime()),
        "memo": f"MCP interop {key}",
        "lines": [
            {"account_id": expense["id"], "description": "Office supplies", "debit": "12.50"},
            {"account_id": bank["id"], "description": "Paid from the bank", "credit": "12.50"},
        ],
    }


def identity(result) -> dict:
    s = dict(result.structured_content or {})
    s.pop("replayed", None)
    return s


async def main() -> int:
    storage = Memory()
    browser = Browser()
    auth = OAuthClientProvider(
        server_url=MCP_URL,
        client_metadata=OAuthClientMetadata(
            client_name=NAME,
            redirect_uris=[REDIRECT],
            grant_types=["authorization_code", "refresh_token"],
            response_types=["code"],
            token_endpoint_auth_method="none",
        ),
        storage=storage,
        redirect_handler=browser.redirect,
        callback_handler=browser.wait_callback,
    )
    after_delete = False
    visits = 0
    got = None
    failure: BaseException | None = None
    try:
        async with httpx2.AsyncClient(auth=auth, timeout=60) as http:
            async with Client(streamable_http_client(MCP_URL, http_client=http)) as client:
                check(storage.client is not None and storage.client.client_id.startswith("oac_"), "registered dynamically")
                check(storage.tokens is not None and storage.tokens.access_token.startswith("nlat_"), "access token")
                check(browser.visits == 1, "the person approved once")
                check(client.protocol_version == "2026-07-28", f"2026-07-28 era (got {client.protocol_version})")

                tools = (await client.list_tools()).tools
                names = {t.name for t in tools}
                check({"trial_balance", "list_accounts", "draft_journal_entry"} <= names, f"tools listed ({len(names)})")

                r = await client.call_tool("trial_balance", {})
                check(not r.is_error and r.structured_content is not None, "trial_balance returns structured content")

                accounts = await client.call_tool("list_accounts", {})
                args = draft_args(accounts.structured_content["accounts"], f"py-{time.time_ns()}")
                first = await client.call_tool("draft_journal_entry", args)
                check(not first.is_error, f"journal entry drafted: {first.content}")
                again = await client.call_tool("draft_journal_entry", args)
                check(not again.is_error and identity(again) == identity(first), "retry with the same key: same draft")

                # Refresh through the SDK: make the token look expired; the next request refreshes it.
                before = storage.tokens
                auth.context.token_expiry_time = time.time() - 1
                r = await client.call_tool("trial_balance", {})
                check(not r.is_error, "a call after the refresh works")
                check(storage.tokens.access_token != before.access_token, "a new access token")
                check(storage.tokens.refresh_token != before.refresh_token, "the refresh token rotated")

                # The person deletes the connection: the next call fails, and nobody approves again.
                deleted = await asyncio.to_thread(person, "delete", NAME)
                check(deleted == "1", "the person deleted the connection")
                browser.approving = False
                visits = browser.visits
                after_delete = True
                r = await client.call_tool("trial_balance", {})
                got = f"data: {r}"
    except BaseException as e:  # noqa: BLE001 - the SDK ends the session with the flow's error
        if not after_delete:
            raise
        got = None
        failure = e
    check(after_delete and got is None, f"a call after deletion fails ({type(failure).__name__ if got is None else got})")
    check(browser.visits > visits, "the SDK sent the person to consent again (nobody approved)")
    if browser.visits <= visits and failure is not None:
        # What the SDK raised instead, for the CI log.
        import traceback

        traceback.print_exception(failure)
    return 0


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except BaseException as e:  # noqa: BLE001
        if isinstance(e, BaseExceptionGroup):
            for sub in e.exceptions:
                print(f"not ok - {type(sub).__name__}: {sub}")
        else:
            print(f"not ok - {type(e).__name__}: {e}")
        failed += 1
    print(f"python-sdk: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
