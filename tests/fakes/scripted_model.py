"""A scripted model for `FakeOpenAI(responder=...)`: it answers each decision of ours the way the
offline engine would, reading only what the request carries (the prompt), so the scenario suite can
run with TATAME_ENGINE=openai and expect what it expects of the offline engine. It is a test double,
not a model: it parses our own prompt format."""

import re
from typing import Any

from adapters.offline.answer import asked_words, choose, excerpt
from application.knowledge_index import Passage
from domain.knowledge import Chunk

_PASSAGE = re.compile(r"^\[(P\d+)\] (.*)$", re.MULTILINE)
QUESTION_MARK = "Pergunta da pessoa:\n"


def respond(request: dict[str, Any]) -> object:
    decision = request["response_format"]["json_schema"]["name"]
    return DECISIONS[decision](request["messages"][-1]["content"])


def _faq_answer(prompt: str) -> object:
    passages, question = _passages(prompt)
    asked = asked_words(question)
    chosen = choose(asked, [passage for _, passage in passages])
    for pid, passage in passages:
        if passage.chunk is chosen:
            return {"route": "faq", "answer": excerpt(asked, chosen), "passage_ids": [pid], "passages_answer": True}
    return {"route": "faq", "answer": "", "passage_ids": [], "passages_answer": False}


def _passages(prompt: str) -> tuple[list[tuple[str, Passage]], str]:
    body, _, question = prompt.rpartition(QUESTION_MARK)
    marks = list(_PASSAGE.finditer(body))
    passages = []
    for rank, (mark, following) in enumerate(zip(marks, [*marks[1:], None], strict=True)):
        text = body[mark.end() : following.start() if following else len(body)].strip()
        chunk = Chunk(tenant="scripted", source="prompt", heading=mark[2], text=text)
        passages.append((mark[1], Passage(chunk=chunk, score=1.0 / (rank + 1))))
    return passages, question.strip()


DECISIONS = {"faq_answer": _faq_answer}
