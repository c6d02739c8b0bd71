"""Slack's files v2 upload on the fake: get an upload URL, POST the bytes there, complete to share."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .slackspec import BOT, Args, Response, error_response

if TYPE_CHECKING:
    from .fakeslack import FakeSlack


def files_get_upload_url(fake: FakeSlack, args: Args) -> Response:
    """files.getUploadURLExternal: returns an upload URL on this fake."""
    try:
        length = int(args["length"])
    except (TypeError, ValueError):
        length = -1
    if length < 0:
        return error_response("invalid_arguments", "[ERROR] length must be a non-negative integer")
    file_id = fake.next_id("F")
    with fake.lock:
        fake.uploads[file_id] = {"filename": str(args["filename"]), "length": length, "content": None}
    return {"ok": True, "upload_url": f"{fake.base_url}/upload/{file_id}", "file_id": file_id}


def files_complete_upload(fake: FakeSlack, args: Args) -> Response:
    """files.completeUploadExternal: shares uploaded files, recording them in `fake.files`."""
    from .fakeslack import UploadedFile

    files = args["files"]
    if not isinstance(files, list) or not all(isinstance(f, dict) and f.get("id") for f in files):
        return error_response("invalid_arguments", "[ERROR] files must be a JSON list of {id, title}")
    channels = str(args.get("channels") or "").split(",")
    channel = args.get("channel_id") or channels[0] or None
    done, shared = [], []
    with fake.lock:
        for f in files:
            pending = fake.uploads.get(f["id"])
            if pending is None or pending["content"] is None:
                return error_response("file_not_found", f"[ERROR] file {f['id']} was never uploaded")
        for f in files:
            pending = fake.uploads.pop(f["id"])
            title = f.get("title") or pending["filename"]
            shared.append(
                UploadedFile(
                    f["id"],
                    pending["filename"],
                    title,
                    pending["content"],
                    channel,
                    args.get("initial_comment"),
                    args.get("thread_ts"),
                )
            )
            done.append(
                {
                    "id": f["id"],
                    "title": title,
                    "name": pending["filename"],
                    "size": len(pending["content"]),
                    "user": BOT["user_id"],
                    "permalink": f"https://{fake.domain}.slack.com/files/U0BOT/{f['id']}/x",
                }
            )
        fake.files.extend(shared)
        fake.lock.notify_all()
    return {"ok": True, "files": done}
