"""How CPD entries look: the entry card, the form, and the list page."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from handlers import formatting as fmt
from handlers import ui
from handlers.cpd.draft import TEXT_LIMIT, TITLE_LIMIT
from handlers.cpd.kinds import ActivityType, is_pillar, label_of
from handlers.cpd.periods import Period
from handlers.ids import ActionId, FormId, InputId
from handlers.parsing import duration_text
from storage.models import CpdEntry

PAGE_SIZE = 10


def tag_line(tags: Sequence[str]) -> str:
    """`#soldering #career-development (pillar)` as markup."""
    return " ".join(f"#{ui.escape(t)}" + (" _(pillar)_" if is_pillar(t) else "") for t in tags)


def entry_line(entry: CpdEntry) -> str:
    """The one-paragraph summary of an entry used in cards and lists."""
    parts = [fmt.duration(entry.minutes), label_of(entry.activity_type), fmt.day(entry.occurred_on)]
    text = f"{ui.bold(ui.clip(entry.title, TITLE_LIMIT))}\n" + " · ".join(parts)
    tags = [t.tag for t in entry.tags]
    if tags:
        text += f"\n{tag_line(tags)}"
    return text


def undo_value(entry_id: int, revision_id: int | None = None) -> str:
    """The Undo button's value: `8` takes back logging entry 8; `8:r12` takes back the edit kept as revision 12."""
    return str(entry_id) if revision_id is None else f"{entry_id}:r{revision_id}"


def entry_card(entry: CpdEntry, *, heading: str, undo: str | None, after: str = "", replace: bool = False) -> ui.Reply:
    """The reply after logging, editing or undoing: the entry, its id and what to do next.

    `undo` is the Undo button's value (see `undo_value`), or None for no Undo button; `after`
    follows the entry's id in the first line.
    """
    blocks: list[ui.Block] = [ui.Text(f"{heading} — CPD entry `{entry.id}`{after}"), ui.Text(entry_line(entry))]
    if entry.reflection:
        blocks.append(ui.Context(f"_What I learned:_ {ui.clip(entry.reflection, 600)}"))
    else:
        blocks.append(ui.Context("No reflection yet. Auditors look for what you learned and who it helps."))
    if entry.benefit:
        blocks.append(ui.Context(f"_How it helps:_ {ui.clip(entry.benefit, 600)}"))
    if entry.evidence_url:
        blocks.append(ui.Context(f"Evidence: {ui.link(entry.evidence_url, ui.clip(entry.evidence_url, 80))}"))
    value = str(entry.id)
    actions = [
        ui.Button(
            "Add reflection" if not entry.reflection else "Edit reflection",
            ActionId.CPD_ENTRY_REFLECT,
            value,
            style="primary" if not entry.reflection else None,
        ),
        ui.Button("Edit", ActionId.CPD_ENTRY_EDIT, value),
    ]
    if undo is not None:
        actions.append(ui.Button("Undo", ActionId.CPD_ENTRY_UNDO, undo))
    blocks.append(ui.Buttons(tuple(actions)))
    return ui.Reply(
        blocks=tuple(blocks),
        text=f"{heading}: CPD entry {entry.id}{after} — {ui.clip(entry.title, 80)}",
        replace=replace,
    )


def entry_form(entry: CpdEntry | None, *, today: date, state: dict[str, str] | None = None) -> ui.Form:
    """The Log CPD form, empty or prefilled from an entry."""
    kinds = tuple(ui.Option(t.value, t.label) for t in ActivityType)
    items: tuple[ui.Input | ui.Block, ...] = (
        ui.DateInput(InputId.CPD_DATE, "Date", initial=entry.occurred_on if entry else today),
        ui.TextInput(
            InputId.CPD_DURATION,
            "Duration",
            initial=duration_text(entry.minutes) if entry else "",
            placeholder="e.g. 1h 30m, 2 hours or 45m",
            max_length=20,
        ),
        ui.SelectInput(
            InputId.CPD_TYPE,
            "Type of activity",
            kinds,
            initial=entry.activity_type if entry else ActivityType.WORK.value,
        ),
        ui.TextInput(
            InputId.CPD_TITLE,
            "Title",
            initial=entry.title if entry else "",
            max_length=TITLE_LIMIT,
            placeholder="e.g. Soldering refresher",
        ),
        ui.TextInput(
            InputId.CPD_REFLECTION,
            "What did you learn?",
            initial=entry.reflection if entry else "",
            multiline=True,
            optional=True,
            max_length=TEXT_LIMIT,
        ),
        ui.TextInput(
            InputId.CPD_BENEFIT,
            "How does it help your practice and the people you support?",
            initial=entry.benefit if entry else "",
            multiline=True,
            optional=True,
            max_length=TEXT_LIMIT,
        ),
        ui.TextInput(
            InputId.CPD_TAGS,
            "Tags",
            initial=" ".join(f"#{t.tag}" for t in entry.tags) if entry else "",
            optional=True,
            placeholder="#soldering #career-development",
            hint="Pillars: #visibility #recognition #career-development #sustainability",
        ),
        ui.TextInput(
            InputId.CPD_EVIDENCE,
            "Evidence link",
            initial=entry.evidence_url if entry else "",
            optional=True,
            kind="url",
            placeholder="https://…",
        ),
    )
    full_state = dict(state or {})
    if entry is not None:
        full_state["entry"] = str(entry.id)
    return ui.Form(
        callback=FormId.CPD_ENTRY_SAVE,
        title="Edit CPD" if entry else "Log CPD",
        submit="Save",
        items=items,
        state=full_state,
    )


def list_page(
    entries: Sequence[CpdEntry], *, period: Period, page: int, total: int, total_minutes: int, replace: bool = False
) -> ui.Reply:
    """One page of the person's entries, newest first, with paging buttons."""
    pages = max(1, -(-total // PAGE_SIZE))
    blocks: list[ui.Block] = [
        ui.Header(f"My CPD — {period.label}"[:150]),
        ui.Context(f"{fmt.plural(total, 'entry', 'entries')} · {fmt.hours(total_minutes)} · page {page} of {pages}"),
    ]
    if not entries:
        blocks.append(ui.Text("Nothing logged here yet. Try `/cpd add 1h Reading group`."))
    for entry in entries:
        marks = "" if entry.reflection else "  _no reflection yet_"
        blocks.append(
            ui.Text(
                f"`{entry.id}`  {entry_line(entry)}{marks}",
                button=ui.Button("Edit", ActionId.CPD_ENTRY_EDIT, str(entry.id)),
            )
        )
    nav = []
    if page > 1:
        nav.append(ui.Button("‹ Newer", ActionId.CPD_LIST_NEWER, f"{period.key}:{page - 1}"))
    if page < pages:
        nav.append(ui.Button("Older ›", ActionId.CPD_LIST_OLDER, f"{period.key}:{page + 1}"))
    if nav:
        blocks.append(ui.Buttons(tuple(nav)))
    return ui.Reply(blocks=tuple(blocks), text=f"My CPD — {period.label}, page {page} of {pages}", replace=replace)
