import re
from collections.abc import Sequence
from pathlib import Path

import attrs
import yaml

from adapters.knowledge_pack.facts import PACK_FILE, fact_chunks
from adapters.knowledge_pack.schema import parse_tenant
from application.tenant_packs import InvalidTenantPack, TenantPack
from domain.knowledge import Chunk, split_markdown
from domain.tenant import Tenant, Weekday

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
    """The timetable lives in tenant.yaml; rendering it as text lets members ask about it like any FAQ."""
    chunks = []
    for modality in tenant.modalities:
        if not modality.schedule:
            continue
        slots = sorted(modality.schedule, key=lambda s: (s.weekday.number, s.start))
        times = "; ".join(f"{_WEEKDAYS_PT[s.weekday]} às {s.start:%Hh%M} ({s.duration_minutes} min)" for s in slots)
        # Only aliases that add words: repeating "jiu jitsu" in the Kids section would make it
        # outrank the adult Jiu-Jitsu section for "horário do jiu jitsu".
        named = set(_WORDS.findall(modality.name.casefold()))
        extra = [a for a in modality.aliases if not set(_WORDS.findall(a.casefold())) <= named]
        aliases = f" (também chamado de {', '.join(extra)})" if extra else ""
        text = (
            f"Horários das aulas de {modality.name}{aliases}: {times}. "
            f"Cada turma de {modality.name} recebe até {modality.capacity} pessoas."
        )
        chunks.append(Chunk(tenant=tenant.slug, source=PACK_FILE, heading=f"Horários de {modality.name}", text=text))
    return chunks


def _read_yaml(path: Path) -> object:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise InvalidTenantPack(str(path), "(syntax)", f"{where}{getattr(error, 'problem', None) or error}") from error
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidTenantPack(str(path), "(file)", str(error)) from error


def load_pack(folder: Path) -> TenantPack:
    tenant = parse_tenant(str(folder / PACK_FILE), folder.name, _read_yaml(folder / PACK_FILE))
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
