import datetime as dt
import re
import shutil
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import attrs
import yaml

from adapters.knowledge_pack.facts import PACK_FILE, fact_chunks
from adapters.knowledge_pack.schema import parse_tenant
from application.tenant_packs import InvalidTenantPack, TenantPack
from domain.knowledge import Chunk, split_markdown
from domain.tenant import ClassSlot, Tenant, Weekday

_WORDS = re.compile(r"[^\W_]+")
_WEEKDAYS_PT = {
    Weekday.MON: "segunda-feira",
    Weekday.TUE: "terça-feira",
    Weekday.WED: "quarta-feira",
    Weekday.THU: "quinta-feira",
    Weekday.FRI: "sexta-feira",
    Weekday.SAT: "sábado",
    Weekday.SUN: "domingo",
}


def timetable_chunks(tenant: Tenant) -> list[Chunk]:
    """The timetable lives in tenant.yaml; rendering it as text lets members ask about it like any FAQ.
    It is rendered compact, as a reply on WhatsApp should be: the days that share their times in one
    group ("segunda-feira e quarta-feira às 7h e 19h30"), the usual class length said once and any other
    beside its class."""
    chunks = []
    for modality in tenant.modalities:
        if not modality.schedule:
            continue
        # Only aliases that add words: repeating "jiu jitsu" in the Kids section would make it
        # outrank the adult Jiu-Jitsu section for "horário do jiu jitsu".
        named = set(_WORDS.findall(modality.name.casefold()))
        extra = [a for a in modality.aliases if not set(_WORDS.findall(a.casefold())) <= named]
        aliases = f" (também chamado de {', '.join(extra)})" if extra else ""
        lengths = Counter(s.duration_minutes for s in modality.schedule)
        [(usual, _)] = lengths.most_common(1)
        each = f"{usual} min cada" if len(lengths) == 1 else f"as demais, {usual} min"
        text = (
            f"Horários das aulas de {modality.name}{aliases}: {_week(modality.schedule, usual)}; "
            f"{each}. Cada turma de {modality.name} recebe até {modality.capacity} pessoas."
        )
        chunks.append(Chunk(tenant=tenant.slug, source=PACK_FILE, heading=f"Horários de {modality.name}", text=text))
    return chunks


def _week(schedule: Sequence[ClassSlot], usual_minutes: int) -> str:
    """Weekdays with the same times as one group, in the order of the week."""
    times: dict[Weekday, list[str]] = {}
    for slot in sorted(schedule, key=lambda s: (s.weekday.number, s.start)):
        length = f" ({slot.duration_minutes} min)" if slot.duration_minutes != usual_minutes else ""
        times.setdefault(slot.weekday, []).append(f"{_clock(slot.start)}{length}")
    groups: dict[tuple[str, ...], list[str]] = {}
    for weekday, starts in times.items():
        groups.setdefault(tuple(starts), []).append(_WEEKDAYS_PT[weekday])
    return "; ".join(f"{_and(days)} às {_and(list(starts))}" for starts, days in groups.items())


def _clock(start: dt.time) -> str:
    return f"{start.hour}h{start.minute:02d}" if start.minute else f"{start.hour}h"


def _and(items: list[str]) -> str:
    return f"{', '.join(items[:-1])} e {items[-1]}" if len(items) > 1 else items[0]


def _read_yaml(path: Path) -> object:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise InvalidTenantPack(str(path), "(syntax)", f"{where}{getattr(error, 'problem', None) or error}") from error
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidTenantPack(str(path), "(file)", str(error)) from error


def load_pack(folder: Path, slug: str | None = None) -> TenantPack:
    """The pack in `folder`, for the tenant `slug` (default: the folder's name)."""
    tenant = parse_tenant(str(folder / PACK_FILE), slug or folder.name, _read_yaml(folder / PACK_FILE))
    chunks = [*timetable_chunks(tenant), *fact_chunks(tenant)]
    for markdown in sorted(folder.glob("*.md")):
        try:
            chunks.extend(split_markdown(tenant.slug, markdown.name, markdown.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as error:
            raise InvalidTenantPack(str(markdown), "(file)", str(error)) from error
    return TenantPack(tenant=tenant, chunks=chunks)


@attrs.define
class FileTenantPackSource:
    """Every folder of `root` that holds a tenant.yaml is a pack; the folder name is the slug."""

    root: Path

    def load_all(self) -> Sequence[TenantPack]:
        folders = sorted(p.parent for p in self.root.glob(f"*/{PACK_FILE}"))
        if not folders:
            raise InvalidTenantPack(str(self.root), "(folder)", f"no tenant pack found (a sub-folder with {PACK_FILE})")
        return [load_pack(folder) for folder in folders]

    def load(self, slug: str) -> TenantPack | None:
        # A slug is a folder name (lowercase letters, digits and dashes): it cannot leave the root.
        folder = self.root / slug
        return load_pack(folder) if (folder / PACK_FILE).is_file() else None

    def install(self, slug: str, folder: Path) -> TenantPack:
        target = self.root / slug
        if target.exists():
            raise InvalidTenantPack(str(target), "(folder)", f"a tenant {slug!r} is there already")
        if not (folder / PACK_FILE).is_file():
            raise InvalidTenantPack(str(folder), "(folder)", f"no {PACK_FILE} in it")
        pack = load_pack(folder, slug)
        try:
            shutil.copytree(folder, target)
        except OSError as error:
            shutil.rmtree(target, ignore_errors=True)  # half a pack would be loaded as a broken one
            raise InvalidTenantPack(str(target), "(folder)", f"cannot copy the pack there: {error}") from error
        return pack
