"""The Web API methods FakeSlack answers, with authentication and required-argument checks."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .blockkit import check_message, check_view
from .fakeslack_files import files_complete_upload, files_get_upload_url
from .slackspec import BOT, Args, Response, error_response, missing_arguments, required_args

if TYPE_CHECKING:
    from .fakeslack import FakeSlack

# Errors that depend on test data rather than on the bot misusing the API: not counted as problems.
EXPECTED_ERRORS = frozenset({"users_not_found"})
TS_RE = re.compile(r"\d+\.\d+")


def dispatch(fake: FakeSlack, method: str, args: Args, bearer: str | None) -> Response:
    """Authenticate, check required arguments and answer one call."""
    spec = required_args().get(method)
    if spec is None:
        return error_response("unknown_method")
    if not bearer:
        return error_response("not_authed")
    if bearer != fake.token:
        return error_response("invalid_auth")
    messages = missing_arguments(spec, args)
    if messages:
        return error_response("invalid_arguments", *messages)
    handler = HANDLERS.get(method)
    return handler(fake, args) if handler else {"ok": True}


def _invalid(problems: list[str]) -> Response | None:
    if not problems:
        return None
    return error_response("invalid_blocks", *[f"[ERROR] {p}" for p in problems], errors=problems)


def _channel(channel: str) -> str:
    """Posting to a user ID goes to the DM with that user."""
    return "D" + channel if channel[:1] in ("U", "W") else channel


# -- auth / team / bots -------------------------------------------------------------------------


def auth_test(fake: FakeSlack, args: Args) -> Response:
    """auth.test."""
    return {
        "ok": True,
        "url": f"https://{fake.domain}.slack.com/",
        "team": "Techcommit Test",
        "user": "techcommit",
        "team_id": fake.team_id,
        "user_id": BOT["user_id"],
        "bot_id": BOT["bot_id"],
        "is_enterprise_install": False,
    }


def team_info(fake: FakeSlack, args: Args) -> Response:
    """team.info."""
    return {
        "ok": True,
        "team": {
            "id": fake.team_id,
            "name": "Techcommit Test",
            "domain": fake.domain,
            "email_domain": "example.ac.uk",
            "icon": {"image_default": True},
        },
    }


def bots_info(fake: FakeSlack, args: Args) -> Response:
    """bots.info."""
    return {
        "ok": True,
        "bot": {
            "id": args.get("bot") or BOT["bot_id"],
            "deleted": False,
            "name": "techcommit",
            "updated": 1700000000,
            "app_id": BOT["app_id"],
            "user_id": BOT["user_id"],
            "icons": {},
        },
    }


# -- chat ---------------------------------------------------------------------------------------


def chat_post_message(fake: FakeSlack, args: Args) -> Response:
    """chat.postMessage."""
    if err := _invalid(check_message(args)):
        return err
    ts = fake.next_ts()
    message = {
        "type": "message",
        "text": args.get("text", ""),
        "blocks": args.get("blocks", []),
        "ts": ts,
        "user": BOT["user_id"],
        "bot_id": BOT["bot_id"],
        "app_id": BOT["app_id"],
        "team": fake.team_id,
    }
    if args.get("thread_ts"):
        message["thread_ts"] = args["thread_ts"]
    return {"ok": True, "channel": _channel(str(args["channel"])), "ts": ts, "message": message}


def chat_post_ephemeral(fake: FakeSlack, args: Args) -> Response:
    """chat.postEphemeral."""
    return _invalid(check_message(args)) or {"ok": True, "message_ts": fake.next_ts()}


def chat_update(fake: FakeSlack, args: Args) -> Response:
    """chat.update."""
    if not TS_RE.fullmatch(str(args["ts"])):
        return error_response("message_not_found")
    if err := _invalid(check_message(args)):
        return err
    message = {
        "text": args.get("text", ""),
        "blocks": args.get("blocks", []),
        "user": BOT["user_id"],
        "bot_id": BOT["bot_id"],
    }
    return {"ok": True, "channel": args["channel"], "ts": args["ts"], "text": args.get("text", ""), "message": message}


def chat_delete(fake: FakeSlack, args: Args) -> Response:
    """chat.delete."""
    if not TS_RE.fullmatch(str(args["ts"])):
        return error_response("message_not_found")
    return {"ok": True, "channel": args["channel"], "ts": args["ts"]}


def chat_get_permalink(fake: FakeSlack, args: Args) -> Response:
    """chat.getPermalink."""
    ts = str(args["message_ts"]).replace(".", "")
    link = f"https://{fake.domain}.slack.com/archives/{args['channel']}/p{ts}"
    return {"ok": True, "channel": args["channel"], "permalink": link}


# -- conversations ------------------------------------------------------------------------------


def conversations_open(fake: FakeSlack, args: Args) -> Response:
    """conversations.open: DM channel IDs are "D" + the user ID."""
    if args.get("channel"):
        return {"ok": True, "channel": {"id": args["channel"]}}
    users = args["users"]
    ids = [u.strip() for u in (users.split(",") if isinstance(users, str) else users) if u.strip()]
    cid = "D" + ids[0] if len(ids) == 1 else "G" + "".join(sorted(ids))
    return {"ok": True, "no_op": False, "already_open": False, "channel": {"id": cid}}


def conversations_info(fake: FakeSlack, args: Args) -> Response:
    """conversations.info (registry `fake.channels`, else a plausible default)."""
    cid = str(args["channel"])
    info: dict[str, Any] = {
        "id": cid,
        "name": f"channel-{cid.lower()}",
        "is_channel": cid[:1] == "C",
        "is_group": cid[:1] == "G",
        "is_im": cid[:1] == "D",
        "is_mpim": False,
        "is_private": cid[:1] in ("G", "D"),
        "is_archived": False,
        "is_member": True,
        "num_members": len(fake.members.get(cid, ["U1", BOT["user_id"]])),
    }
    if cid[:1] == "D":
        info["user"] = cid[1:]
    return {"ok": True, "channel": {**info, **fake.channels.get(cid, {})}}


def conversations_members(fake: FakeSlack, args: Args) -> Response:
    """conversations.members (registry `fake.members`)."""
    members = fake.members.get(str(args["channel"]), ["U1", BOT["user_id"]])
    return {"ok": True, "members": list(members), "response_metadata": {"next_cursor": ""}}


# -- users --------------------------------------------------------------------------------------


def user_record(fake: FakeSlack, user_id: str) -> dict[str, Any]:
    """A users.info-style user: the registry entry merged over a default profile."""
    name = user_id.lower()
    default: dict[str, Any] = {
        "id": user_id,
        "team_id": fake.team_id,
        "name": name,
        "real_name": f"User {user_id}",
        "deleted": False,
        "is_bot": False,
        "is_admin": False,
        "tz": "Europe/London",
        "tz_label": "Greenwich Mean Time",
        "tz_offset": 0,
        "profile": {
            "real_name": f"User {user_id}",
            "display_name": name,
            "email": f"{name}@example.ac.uk",
            "title": "",
            "image_72": "https://example.invalid/avatar.png",
        },
    }
    extra = fake.users.get(user_id, {})
    return {**default, **extra, "profile": {**default["profile"], **extra.get("profile", {})}}


def users_info(fake: FakeSlack, args: Args) -> Response:
    """users.info."""
    return {"ok": True, "user": user_record(fake, str(args["user"]))}


def users_lookup_by_email(fake: FakeSlack, args: Args) -> Response:
    """users.lookupByEmail (registry `fake.users_by_email`)."""
    email = str(args["email"]).lower()
    uid = next((u for e, u in fake.users_by_email.items() if e.lower() == email), None)
    if uid is None:
        return error_response("users_not_found")
    return {"ok": True, "user": user_record(fake, uid)}


def users_list(fake: FakeSlack, args: Args) -> Response:
    """users.list (every user in the registries)."""
    ids = dict.fromkeys([*fake.users, *fake.users_by_email.values()])
    members = [user_record(fake, u) for u in ids]
    return {"ok": True, "members": members, "response_metadata": {"next_cursor": ""}}


# -- views --------------------------------------------------------------------------------------


def _store_view(fake: FakeSlack, view: dict[str, Any], view_id: str | None = None) -> Response:
    vid = view_id or fake.next_id("V")
    issued: dict[str, Any] = {
        "id": vid,
        "team_id": fake.team_id,
        "type": view.get("type"),
        "blocks": [],
        "private_metadata": "",
        "callback_id": "",
        "state": {"values": {}},
        "title": None,
        "close": None,
        "submit": None,
        "clear_on_close": False,
        "notify_on_close": False,
        "external_id": "",
        "root_view_id": vid,
        "previous_view_id": None,
        "app_id": BOT["app_id"],
        "app_installed_team_id": fake.team_id,
        "bot_id": BOT["bot_id"],
    }
    issued.update(view)
    issued.update(id=vid, hash=f"{int(time.time())}.{secrets.token_hex(4)}", state={"values": {}})
    with fake.lock:
        fake.views[vid] = issued
    return {"ok": True, "view": issued}


def _checked_view(args: Args) -> tuple[dict[str, Any], Response | None]:
    view = args["view"]
    if not isinstance(view, dict):
        return {}, error_response("invalid_arguments", "[ERROR] view must be a JSON object")
    return view, _invalid(check_view(view))


def views_open(fake: FakeSlack, args: Args) -> Response:
    """views.open and views.push."""
    view, err = _checked_view(args)
    return err or _store_view(fake, view)


def views_update(fake: FakeSlack, args: Args) -> Response:
    """views.update: the view must be one this fake issued; a stale hash is a hash_conflict."""
    view, err = _checked_view(args)
    if err:
        return err
    with fake.lock:
        ext = args.get("external_id")
        current = fake.views.get(str(args.get("view_id"))) or next(
            (v for v in fake.views.values() if ext and v.get("external_id") == ext), None
        )
    if current is None:
        return error_response("not_found")
    if args.get("hash") and args["hash"] != current["hash"]:
        return error_response("hash_conflict")
    return _store_view(fake, view, current["id"])


def views_publish(fake: FakeSlack, args: Args) -> Response:
    """views.publish: a home tab per user, with a stable view ID."""
    view, err = _checked_view(args)
    if err:
        return err
    if view.get("type") != "home":
        return error_response("invalid_arguments", "[ERROR] views.publish needs a view of type home")
    with fake.lock:
        vid = fake.home_views.setdefault(str(args["user_id"]), fake.next_id("V"))
    return _store_view(fake, view, vid)


HANDLERS: dict[str, Callable[[FakeSlack, Args], Response]] = {
    "api.test": lambda fake, args: {"ok": True, "args": args},
    "auth.test": auth_test,
    "team.info": team_info,
    "bots.info": bots_info,
    "chat.postMessage": chat_post_message,
    "chat.postEphemeral": chat_post_ephemeral,
    "chat.update": chat_update,
    "chat.delete": chat_delete,
    "chat.getPermalink": chat_get_permalink,
    "conversations.open": conversations_open,
    "conversations.info": conversations_info,
    "conversations.members": conversations_members,
    "users.info": users_info,
    "users.lookupByEmail": users_lookup_by_email,
    "users.list": users_list,
    "views.open": views_open,
    "views.push": views_open,
    "views.update": views_update,
    "views.publish": views_publish,
    "files.getUploadURLExternal": files_get_upload_url,
    "files.completeUploadExternal": files_complete_upload,
}
