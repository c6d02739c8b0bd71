"""The console: type commands as in Slack, press buttons by number, fill forms field by field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from bot.console import forms
from bot.console.render import markup_to_text, render_reply
from bot.dispatch import Dispatcher, Who
from handlers import ui
from scheduler.sender import SentMessage

PROMPT = "> "
HELP = (
    "Type a command as in Slack (try /cpd help or /techcommit help), `home` for your dashboard, "
    "a button number, or quit."
)


class Console:
    def __init__(
        self,
        dispatcher: Dispatcher,
        who: Who,
        *,
        files_dir: Path,
        read: Callable[[str], str],
        out: TextIO,
        send_pending: Callable[[Console], object] | None = None,
    ) -> None:
        self.dispatcher = dispatcher
        self.who = who
        self.files_dir = files_dir
        self.read = read
        self.out = out
        self.send_pending = send_pending
        self.buttons: list[ui.Button] = []
        self._sent = 0

    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def run(self) -> None:
        """Read commands until `quit` or end of input."""
        self.say(f"techcommit console — you are {self.who.name or self.who.person.user_id}. {HELP}")
        while True:
            try:
                line = self.read(PROMPT)
            except (EOFError, KeyboardInterrupt):
                self.say()
                return
            if line.strip().lower() in ("quit", "exit", ":q"):
                return
            self.handle(line.strip())

    def handle(self, line: str) -> None:
        """Run one typed line, then show what the bot sent as a result (DMs, announcements)."""
        if not line:
            return
        if line.isdigit():
            self.press(int(line))
        elif line.lower() in ("home", "/home"):
            self.show(self.dispatcher.home(self.who))
        elif line.startswith("/"):
            name, _, text = line[1:].partition(" ")
            self.show(self.dispatcher.command(self.who, name.lower(), text))
        else:
            self.say(HELP)
        if self.send_pending is not None:
            self.send_pending(self)

    def press(self, number: int) -> None:
        if not 1 <= number <= len(self.buttons):
            self.say("There's no button with that number on the last reply.")
            return
        button = self.buttons[number - 1]
        if button.confirm and not self._yes(f"{button.confirm.title}: {markup_to_text(button.confirm.text)}"):
            return
        self.show(self.dispatcher.action(self.who, ui.Action(str(button.action), button.value)))

    def show(self, result: ui.Response) -> None:
        match result:
            case ui.Reply():
                if result.replace:
                    self.say("(updates the message above)")
                self.buttons = []
                self.say(render_reply(result, self.buttons))
                for subject in result.republish:
                    found = self.dispatcher.republish(subject)
                    if found is not None:
                        self.say(f"── the message in #{found[0]} now reads ──")
                        self.say(render_reply(found[2], self.buttons))
            case ui.Form():
                self.fill(result)
            case ui.FileReply():
                self.files_dir.mkdir(parents=True, exist_ok=True)
                path = self.files_dir / result.file.name
                path.write_bytes(result.file.content)
                self.say(f"📄 {result.comment} Saved to {path}")
                self.show(result.reply)
            case ui.Home():
                self.buttons = []
                self.say(render_reply(ui.Reply(blocks=result.blocks, text=""), self.buttons))
            case ui.FormErrors():
                self.say("\n".join(f"! {message}" for message in result.errors.values()))
            case None:
                pass

    def wait_turn(self, *, platform: str) -> None:
        """The console has no rate limit."""

    def send(self, *, platform: str, recipient: str, to_channel: bool, reply: ui.Reply) -> SentMessage:
        """Print a message the bot sends on its own (the console's stand-in for Slack)."""
        self._sent += 1
        self.say(f"── the bot posts in #{recipient} ──" if to_channel else f"── the bot DMs @{recipient} ──")
        self.say(render_reply(reply, self.buttons))
        return SentMessage(channel=recipient if to_channel else f"D{recipient}", ts=f"{self._sent}.000")

    def fill(self, form: ui.Form) -> None:
        """Ask for each field of the form and submit; after a refusal, every field again (Enter keeps it).

        Ctrl-C (or the end of input) inside the form cancels the form, not the console.
        """
        self.say(f"── {form.title} ── (Enter keeps the value in [brackets]; '-' clears it; 'cancel' or Ctrl-C stops)")
        inputs = [item for item in form.items if isinstance(item, ui.Input)]
        notes = [item for item in form.items if not isinstance(item, ui.Input)]
        if notes:
            self.say(render_reply(ui.Reply(blocks=tuple(notes), text=""), []))
        values: dict[str, str | None] = {}
        problems: dict[str, str] = {}
        while True:
            try:
                answers = self._answers(inputs, problems, values)
            except (KeyboardInterrupt, EOFError):
                answers = None
                self.say()
            if answers is None:
                self.say("Cancelled; nothing was saved.")
                return
            values.update(answers)
            result = self.dispatcher.submit(self.who, ui.Submission(form.callback, values, form.state))
            if not isinstance(result, ui.FormErrors):
                self.show(result)
                return
            problems = dict(result.errors)
            for input_id, message in problems.items():
                self.say(f"! {forms.label_of(inputs, input_id)}: {message}")
            self.say("Every field again — Enter keeps what you typed; change the ones marked !")
            inputs = [forms.with_value(item, values.get(item.id)) for item in inputs]

    def _answers(
        self, inputs: list[ui.Input], problems: dict[str, str], typed: dict[str, str | None]
    ) -> dict[str, str | None] | None:
        """One answer per input (None: the person cancelled); a field with a problem shows it first."""
        answers: dict[str, str | None] = {}
        for item in inputs:
            if item.id in problems:
                self.say(f"! {problems[item.id]}")
            answer = forms.ask(item, self.read, self.say, typed=typed.get(item.id))
            if answer is forms.CANCELLED:
                return None
            answers[item.id] = answer  # type: ignore[assignment]
        return answers

    def _yes(self, question: str) -> bool:
        return self.read(f"{question} [y/N]: ").strip().lower() in ("y", "yes")
