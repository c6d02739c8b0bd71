"""What the bot does with Teams activities: commands as messages, card clicks, and remembering chats."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from typing import Any

from microsoft_agents.activity import Activity
from microsoft_agents.hosting.core import AgentApplication, CardFactory, MessageFactory, TurnContext, TurnState

from bot.dispatch import Dispatcher, Who
from bot.logs import fields, new_reference
from bot.teams.render import errors_card, form_card, read_submission, to_card
from handlers import routes, ui
from handlers.clock import Clock
from storage import conversations
from storage.people import PersonId
from storage.uow import UnitOfWorkFactory

log = logging.getLogger("techcommit.teams")
_AT_MENTION = re.compile(r"<at>([^<]*)</at>", re.IGNORECASE)
SORRY = (
    "Sorry — something went wrong on our side and nothing was changed. If it keeps happening, give an admin "
    "the reference {ref}."
)
NO_FILES = (
    "📄 Teams can't receive files from techcommit yet. In Slack (or `techcommit console`) the same command "
    "puts the file in your DM."
)


def who_of(activity: Activity) -> Who | None:
    """The Teams person behind an activity: their tenant and Entra object id."""
    sender = activity.from_property
    aad = getattr(sender, "aad_object_id", None) if sender else None
    if not aad:
        return None
    tenant = (activity.conversation.tenant_id if activity.conversation else None) or _tenant_from(activity)
    return Who(PersonId("teams", tenant or "", str(aad).lower()), getattr(sender, "name", None))


def _tenant_from(activity: Activity) -> str | None:
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = data.get("tenant") if isinstance(data.get("tenant"), dict) else {}
    return str(tenant.get("id")) if tenant and tenant.get("id") else None


def _label(input_id: str) -> str:
    """`event-start-time` → `Start time` (for the list of problems with a submitted form)."""
    words = input_id.split("-")[1:] or [input_id]
    return " ".join(words).capitalize() if input_id else "The form"


class TeamsConversation:
    """Registers the agent's handlers; blocking work runs in threads so the event loop stays free."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, republish: Callable[[str], None]) -> None:
        self.uow = uow
        self.clock = clock
        self.republish = republish

    def register(self, agent: AgentApplication[TurnState], dispatcher: Dispatcher) -> None:
        @agent.activity(["conversationUpdate", "installationUpdate"])
        async def on_install(context: TurnContext, state: TurnState) -> None:
            who = who_of(context.activity)
            added = context.activity.members_added or []
            if who is None or context.activity.conversation is None:
                return
            await asyncio.to_thread(self.remember, who, context.activity)
            bot_id = context.activity.recipient.id if context.activity.recipient else None
            if context.activity.type == "installationUpdate" or any(m.id != bot_id for m in added):
                await context.send_activity(
                    "👋 Hello! I'm techcommit. Try `cpd add 1h Reading group`, `reg`, "
                    "`event` or `plan` — or `techcommit help` for everything."
                )

        @agent.message()
        async def on_message(context: TurnContext, state: TurnState) -> None:
            activity = context.activity
            who = who_of(activity)
            if who is None:
                await context.send_activity("I can only help people signed in to Microsoft Teams.")
                return
            await asyncio.to_thread(self.remember, who, activity)
            delivery = f"teams:{activity.id}" if activity.id else None
            value = activity.value if isinstance(activity.value, dict) else None
            if value is not None and not (activity.text or "").strip():
                chosen = read_submission(value)
                if chosen is None:
                    return
                if isinstance(chosen, ui.Action):
                    result = await asyncio.to_thread(dispatcher.action, who, chosen, delivery=delivery)
                else:
                    result = await asyncio.to_thread(dispatcher.submit, who, chosen, delivery=delivery)
            else:
                # The SDK has removed the bot's own mention; anyone else mentioned stays as their name.
                text = _AT_MENTION.sub(r"\1", activity.text or "").strip()
                result = await asyncio.to_thread(self.command, dispatcher, who, text, delivery)
            await self.show(context, result)

        @agent.error
        async def on_error(context: TurnContext, error: Exception) -> None:
            ref = new_reference()
            log.error("internal error %s", fields(ref=ref, kind="teams"), exc_info=error)
            await context.send_activity(SORRY.format(ref=ref))

    def command(self, dispatcher: Dispatcher, who: Who, text: str, delivery: str | None) -> ui.Response:
        """`cpd add 2h x` (a leading `/` is fine) → the same command as in Slack; `home` → the dashboard."""
        words = text.lstrip("/").split(maxsplit=1)
        name = words[0].lower() if words else "techcommit"
        rest = words[1] if len(words) > 1 else ""
        if name == "home":
            return dispatcher.home(who)
        if name not in routes.COMMANDS:
            known = ", ".join(f"`{n}`" for n in routes.COMMANDS)
            return ui.notice(
                f"I don't know `{ui.escape(name[:20])}`. Start with one of {known} — for example "
                "`cpd add 2h Soldering refresher`, or `techcommit help`."
            )
        return dispatcher.command(who, name, rest, delivery=delivery)

    def remember(self, who: Who, activity: Activity) -> None:
        """Keep the person's one-to-one chat, so reminders can reach them later."""
        if activity.conversation is None or activity.conversation.conversation_type not in (None, "personal"):
            return
        reference = activity.get_conversation_reference().model_dump_json(by_alias=True, exclude_none=True)
        with self.uow(write=True) as unit:
            if conversations.get_ref(unit, platform="teams", user_id=who.person.user_id) != reference:
                conversations.save_ref(
                    unit, platform="teams", user_id=who.person.user_id, ref=reference, now=self.clock.now()
                )
                unit.commit()

    async def show(self, context: TurnContext, result: ui.Response) -> None:
        """Send what a handler returned as a card; a click's result replaces the card it was on."""
        match result:
            case None:
                return
            case ui.Reply():
                await self._card(
                    context,
                    to_card(result),
                    result.text,
                    replace=context.activity.reply_to_id if result.replace else None,
                )
                for subject in result.republish:
                    await asyncio.to_thread(self.republish, subject)
            case ui.Home():
                await self._card(context, to_card(result), "My techcommit")
            case ui.Form():
                await self._card(context, form_card(result), result.title)
            case ui.FormErrors():
                labels = {key: _label(key) for key in result.errors}
                await self._card(context, errors_card(result, labels), "Please check the form")
            case ui.FileReply():
                await context.send_activity(NO_FILES)

    async def _card(self, context: TurnContext, card: dict[str, Any], summary: str, replace: str | None = None) -> None:
        message = MessageFactory.attachment(CardFactory.adaptive_card(card))
        message.summary = summary[:200]
        if replace:
            message.id = replace
            await context.update_activity(message)
        else:
            await context.send_activity(message)
