"""`tatame eval` as a process, on a pack written here: a line per question, the figures, exit status."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests import PROJECT_ROOT

TENANT = {
    "name": "CT Avaliado",
    "timezone": "America/Recife",
    "modalities": [{"name": "Boxe", "capacity": 10, "schedule": [{"weekday": "mon", "start": "19:00", "duration_minutes": 60}]}],
}
FAQ = """# Perguntas frequentes

## Quanto custa a mensalidade?
A mensalidade do CT Avaliado custa R$ 150,00 por mês, com acesso a todas as aulas.

## Tem estacionamento?
O CT Avaliado tem estacionamento gratuito para alunos, com 20 vagas cobertas no subsolo do prédio. A entrada do estacionamento é pela rua de trás, e o manobrista fica lá das 6h às 22h.
"""
PRICE = "faq.md#Quanto custa a mensalidade?"


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    variables = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "QDRANT_URL", "KNOWLEDGE_DIR", "TATAME_ENGINE"}}
    return {**variables, "DATABASE_URL": database_url, "TATAME_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(PROJECT_ROOT / "src")}


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "entrypoints.cli", *args], capture_output=True, text=True, env=env, timeout=120, cwd=PROJECT_ROOT
    )


@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    pack = tmp_path / "packs" / "ct-avaliado"
    pack.mkdir(parents=True)
    (pack / "tenant.yaml").write_text(yaml.safe_dump(TENANT, allow_unicode=True), encoding="utf-8")
    (pack / "faq.md").write_text(FAQ, encoding="utf-8")
    return tmp_path / "packs"


def _questions(tmp_path: Path, questions: list[dict]) -> Path:
    file = tmp_path / "perguntas.yaml"
    file.write_text(yaml.safe_dump({"tenant": "ct-avaliado", "questions": questions}, allow_unicode=True), encoding="utf-8")
    return file


def test_grades_each_question_and_ends_with_the_counts(env, tmp_path, knowledge):
    file = _questions(
        tmp_path,
        [
            {"question": "quanto custa a mensalidade?", "section": PRICE, "must_contain": ["r$ 150,00"]},
            {"question": "tem piscina?", "section": None},
            # Labelled with the wrong section on purpose: the parking answer is not from it.
            {"question": "tem estacionamento?", "section": PRICE},
        ],
    )
    result = _run(["eval", str(file), "--knowledge", str(knowledge), "--engine", "offline", "--json", str(tmp_path / "eval.json")], env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("correct   quanto custa a mensalidade? -> A mensalidade do CT Avaliado custa R$ 150,00")
    assert lines[1].startswith("abstained tem piscina? -> Não encontrei essa informação")
    assert lines[2].startswith("wrong     tem estacionamento? -> O CT Avaliado tem estacionamento") and lines[2].endswith(
        f"[not from {PRICE}]"
    )
    assert "…" in lines[2]  # a long reply is shortened
    assert lines[-2].startswith("median reply length: ")
    assert lines[-1] == "1 correct, 1 abstained, 1 wrong"
    figures = json.loads((tmp_path / "eval.json").read_text(encoding="utf-8"))
    assert [q["verdict"] for q in figures["questions"]] == ["correct", "abstained", "wrong"]

    verbose = _run(["eval", str(file), "--knowledge", str(knowledge), "-v"], env)
    parking = FAQ.split("## Tem estacionamento?\n")[1].strip()
    assert f"-> {parking}  [not from {PRICE}]" in verbose.stdout


def test_a_section_the_pack_lacks_is_a_clear_error(env, tmp_path, knowledge):
    file = _questions(tmp_path, [{"question": "tem sauna?", "section": "faq.md#Tem sauna?"}])
    result = _run(["eval", str(file), "--knowledge", str(knowledge)], env)
    assert result.returncode == 2
    assert f"{file}: questions[0].section: no section faq.md#Tem sauna? in pack ct-avaliado" in result.stderr
    assert "Traceback" not in result.stderr
