"""The console: type commands as in Slack, press buttons by number, fill forms field by field."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from bot.console import forms
from bot.console.render import markup_to_text, render_reply
from bot.dispatch import Dispatcher, Who
from handlers import routes, ui
from handlers.errors import UserError
from handlers.parsing import parse_person
from scheduler.sender import SentMessage
from storage.people import PersonId

PROMPT = "> "
HELP = "Type a command as in Slack (try /techcommit help), or `help` for the console's own words."
WORDS = """The console's own words:
  /cpd add 2h …   a command as in Slack, with or without the / (/techcommit help lists them)
  home            your dashboard (Slack's App Home)
  1, 2, …         press that button on the last reply
  as              who you can be here; `as U0ALICE` (or `as alice`) acts as that person from now on
  help            this list
  quit            leave (or Ctrl-D)
In a form: Enter keeps the value in [brackets], `-` clears it, `cancel` stops without saving."""


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
        people: Sequence[tuple[Who, str]] = (),
    ) -> None:
        """`people`: who `as` offers (each with a line on what they can try); any other user id works too."""
        self.dispatcher = dispatcher
        self.who = who
        self.people = tuple(people)
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
        self.say(f"techcommit console — you are {self.name_of(self.who)}. {HELP}")
        if self.send_pending is not None:
            self.send_pending(self)  # what the bot had queued before you came in (the demo's reminders)
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
        word, _, rest = line.partition(" ")
        if line.isdigit():
            self.press(int(line))
        elif line.lower() in ("home", "/home"):
            self.show(self.dispatcher.home(self.who))
        elif line.lower() in ("help", "?"):
            self.say(WORDS)
        elif word.lower() == "as":
            self.become(rest.strip())
        elif line.startswith("/") or word.lower() in routes.COMMANDS:  # `plan report` as `/plan report`
            name, _, text = line.removeprefix("/").partition(" ")
            self.show(self.dispatcher.command(self.who, name.lower(), text))
        else:
            self.say(HELP)
        if self.send_pending is not None:
            self.send_pending(self)

    def name_of(self, who: Who) -> str:
        return f"{who.name} ({who.person.user_id})" if who.name else who.person.user_id

    def become(self, wanted: str) -> None:
        """`as`: list who you can be; `as U0ALICE` or `as alice`: be that person from the next line on."""
        if not wanted:
            lines = [
                f"{'→' if who.person == self.who.person else ' '} {who.person.user_id:<12} {who.name}: {about}"
                for who, about in self.people
            ]
            listed = "\n".join(lines) + "\n" if lines else ""
            self.say(f"{listed}You are {self.name_of(self.who)}. `as U0ALICE` acts as someone else (any user id).")
            return
        found = next(
            (
                who
                for who, _ in self.people
                if wanted.lower() in (who.person.user_id.lower(), *(w.lower() for w in (who.name or "").split()[:1]))
            ),
            None,
        )
        if found is None:
            try:
                platform, user_id = parse_person(wanted, default_platform=self.who.person.platform)
            except UserError:
                self.say(f"`{wanted}` isn't someone here: `as` lists who is, or give a user id like U0ALICE.")
                return
            found = Who(PersonId(platform, self.who.person.team_id, user_id), None)
        self.who = found
        self.say(f"You are now {self.name_of(found)}.")

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
        if to_channel:
            self.say(f"── the bot posts in #{recipient} ──")
        elif recipient == self.who.person.user_id:
            self.say(f"── the bot DMs you (@{recipient}) ──")
        else:
            who = next((w for w, _ in self.people if w.person.user_id == recipient), None)
            self.say(f"── the bot DMs {self.name_of(who) if who else '@' + recipient} — `as {recipient}` to answer ──")
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
