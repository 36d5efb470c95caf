import datetime as dt
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from adapters.knowledge_pack.loader import FileTenantPackSource, load_pack
from adapters.knowledge_pack.schema import parse_tenant
from application.tenant_packs import InvalidTenantPack
from domain.tenant import FrontDeskSettings, LanguageModelSettings, OpeningHours
from tests import PROJECT_ROOT

VALID = {
    "name": "CT Teste",
    "timezone": "America/Sao_Paulo",
    "human_contact": "(11) 5555-0000",
    "paid_services": [{"name": "Personal trainer", "keywords": ["personal"]}],
    "modalities": [
        {"name": "Boxe", "aliases": ["boxing"], "capacity": 12, "schedule": [{"weekday": "mon", "start": "19:00", "duration_minutes": 60}]}
    ],
    "trial_class": {"min_notice_hours": 2, "max_days_ahead": 14, "max_per_person": 1},
}


def _pack(tmp_path: Path, data: object, slug: str = "ct-teste") -> Path:
    folder = tmp_path / slug
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tenant.yaml").write_text(yaml.safe_dump(data) if not isinstance(data, str) else data)
    return folder


def test_reads_every_field(tmp_path):
    tenant = load_pack(_pack(tmp_path, VALID)).tenant
    [boxe] = tenant.modalities
    assert (tenant.slug, tenant.name, boxe.capacity, boxe.schedule[0].start) == ("ct-teste", "CT Teste", 12, dt.time(19))
    assert tenant.paid_services[0].terms == ("Personal trainer", "personal")


def test_language_model_settings_are_optional(tmp_path):
    assert load_pack(_pack(tmp_path, VALID)).tenant.llm == LanguageModelSettings()
    llm = {"monthly_budget_usd": 30, "monthly_budget_tokens": 2_000_000, "tone": "descontraído, trata por você"}
    tenant = load_pack(_pack(tmp_path, {**VALID, "llm": llm}, slug="ct-llm")).tenant
    assert tenant.llm == LanguageModelSettings(
        tone="descontraído, trata por você", monthly_budget_usd=30.0, monthly_budget_tokens=2_000_000
    )


def test_front_desk_settings_are_optional(tmp_path):
    assert load_pack(_pack(tmp_path, VALID)).tenant.front_desk == FrontDeskSettings()
    front_desk = {
        "buffer_window_seconds": 8,
        "human_pause_hours": 4,
        "business_hours": [{"weekday": "mon", "start": "06:00", "end": "22:00"}, {"weekday": "sat", "start": 480, "end": "12:00"}],
        "out_of_hours_reply": "A equipe volta amanhã às 6h.",
    }
    tenant = load_pack(_pack(tmp_path, {**VALID, "front_desk": front_desk}, slug="ct-balcao")).tenant
    assert tenant.front_desk == FrontDeskSettings(
        buffer_window_seconds=8.0,
        human_pause_hours=4,
        business_hours=[
            OpeningHours(weekday="mon", start=dt.time(6), end=dt.time(22)),
            OpeningHours(weekday="sat", start=dt.time(8), end=dt.time(12)),
        ],
        out_of_hours_reply="A equipe volta amanhã às 6h.",
    )


def test_unquoted_time_is_understood(tmp_path):
    text = yaml.safe_dump(VALID).replace("start: '19:00'", "start: 19:00")
    assert load_pack(_pack(tmp_path, text)).tenant.modalities[0].schedule[0].start == dt.time(19)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": None}, "name"),
        ({"timezone": "Brasil/Sampa"}, "timezone"),
        ({"modalities": [{"name": "Boxe", "schedule": [{"weekday": "segunda", "start": "19:00"}]}]}, "modalities[0].schedule[0].weekday"),
        ({"modalities": [{"name": "Boxe", "schedule": [{"weekday": "mon", "start": "25:00"}]}]}, "modalities[0].schedule[0].start"),
        ({"modalities": [{"name": "Boxe", "capacity": 0}]}, "modalities[0].capacity"),
        ({"modalities": [{"name": "Boxe"}, {"name": "boxe"}]}, "modalities[1].name"),
        ({"paid_services": [{"name": "Personal", "keywords": "personal"}]}, "paid_services[0].keywords"),
        ({"trial_class": {"max_per_person": -1}}, "trial_class.max_per_person"),
        ({"modalites": []}, "modalites"),
        ({"llm": {"monthly_budget_usd": 0}}, "llm.monthly_budget_usd"),
        ({"llm": {"monthly_budget_usd": "trinta"}}, "llm.monthly_budget_usd"),
        ({"llm": {"monthly_budget_tokens": 0}}, "llm.monthly_budget_tokens"),
        ({"llm": {"tone": ""}}, "llm.tone"),
        ({"llm": {"budget": 30}}, "llm.budget"),
        ({"front_desk": {"buffer_window_seconds": -1}}, "front_desk.buffer_window_seconds"),
        ({"front_desk": {"buffer_window_seconds": "15s"}}, "front_desk.buffer_window_seconds"),
        ({"front_desk": {"human_pause_hours": 0}}, "front_desk.human_pause_hours"),
        ({"front_desk": {"business_hours": [{"weekday": "mon", "start": "22:00", "end": "06:00"}]}}, "front_desk.business_hours[0].end"),
        (
            {"front_desk": {"business_hours": [{"weekday": "seg", "start": "06:00", "end": "22:00"}]}},
            "front_desk.business_hours[0].weekday",
        ),
        ({"front_desk": {"business_hours": {"mon": "06:00-22:00"}}}, "front_desk.business_hours"),
        ({"front_desk": {"out_of_hours_reply": ""}}, "front_desk.out_of_hours_reply"),
        ({"front_desk": {"tone": "formal"}}, "front_desk.tone"),
    ],
)
def test_errors_name_the_file_and_the_field(tmp_path, change, field):
    folder = _pack(tmp_path, {**VALID, **change})
    with pytest.raises(InvalidTenantPack) as error:
        load_pack(folder)
    assert error.value.field == field and error.value.file == str(folder / "tenant.yaml")
    assert str(folder / "tenant.yaml") in str(error.value) and field in str(error.value)


def test_yaml_syntax_error_gives_the_line(tmp_path):
    folder = _pack(tmp_path, "name: CT\nmodalities: [\n")
    with pytest.raises(InvalidTenantPack, match=r"tenant.yaml: \(syntax\): line \d+"):
        load_pack(folder)


def test_empty_folder_is_an_error(tmp_path):
    with pytest.raises(InvalidTenantPack, match="no tenant pack"):
        FileTenantPackSource(tmp_path).load_all()


def test_default_pack_is_rich():
    [pack] = FileTenantPackSource(PROJECT_ROOT / "knowledge").load_all()
    assert len(pack.tenant.modalities) >= 4 and len(pack.tenant.paid_services) >= 3
    assert sum(c.source.endswith(".md") for c in pack.chunks) >= 25


_yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


@given(st.dictionaries(st.sampled_from([*sorted(VALID), "front_desk", "other"]), _yaml_values, max_size=6))
def test_any_document_is_a_tenant_or_a_named_error(data):
    try:
        parse_tenant("t.yaml", "ct", {**VALID, **data})
    except InvalidTenantPack as error:
        assert error.file == "t.yaml" and error.field
