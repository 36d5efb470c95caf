import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from entrypoints.http.dashboard_charts import MAX_LABELS, Series, bar_chart

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def bars(root: ET.Element) -> list[ET.Element]:
    return [r for r in root.iter(f"{SVG}rect") if r.get("class", "").startswith("series-")]


def test_bars_scale_to_the_largest_value_with_an_accessible_title():
    root = parse(bar_chart("Turnos por rota", ["faq", "booking", "escalate"], [Series("turnos", [10, 5, 0])], height=232))
    title = root.find(f"{SVG}title")
    assert root.get("role") == "img" and root.get("aria-labelledby") == title.get("id") and title.text == "Turnos por rota"
    assert [float(b.get("height")) for b in bars(root)] == [200.0, 100.0, 0.0]
    assert [b.find(f"{SVG}title").text for b in bars(root)] == ["faq: 10", "booking: 5", "escalate: 0"]
    assert [t.text for t in root.iter(f"{SVG}text")] == ["faq", "booking", "escalate"]


def test_two_series_stand_side_by_side_with_a_legend():
    root = parse(bar_chart("Mensagens", ["01/03", "02/03"], [Series("recebidas", [4, 2]), Series("enviadas", [3, 1])]))
    drawn = bars(root)
    assert [b.get("class") for b in drawn] == ["series-0", "series-1", "series-0", "series-1"]
    assert float(drawn[0].get("x")) < float(drawn[1].get("x")) < float(drawn[2].get("x"))
    assert drawn[1].find(f"{SVG}title").text == "01/03 · enviadas: 3"
    assert {"recebidas", "enviadas"} <= {t.text for t in root.iter(f"{SVG}text")}


def test_nothing_to_show_draws_empty_bars():
    assert [b.get("height") for b in bars(parse(bar_chart("Vazio", ["a", "b"], [Series("x", [0, 0])])))] == ["0.0", "0.0"]


def test_labels_thin_out_on_a_long_period():
    labels = [f"{d:02d}/03" for d in range(1, 31)]
    texts = list(parse(bar_chart("30 dias", labels, [Series("x", [1] * 30)])).iter(f"{SVG}text"))
    assert 0 < len(texts) <= MAX_LABELS and texts[0].text == "01/03"


def test_markup_in_text_stays_text():
    svg = bar_chart('<script>alert(1)</script>"', ['<img src=x onerror="a()">'], [Series("</svg>", [1]), Series("b", [2])])
    root = parse(svg)
    assert "<script" not in svg and "<img" not in svg and root.find(f"{SVG}title").text == '<script>alert(1)</script>"'
    assert not [e for e in root.iter() if e.tag in (f"{SVG}script", f"{SVG}foreignObject")]
    assert all("style" not in e.attrib and not any(a.startswith("on") for a in e.attrib) for e in root.iter())


@pytest.mark.parametrize("values", [[1], [1, -1], [1, float("nan")], [1, float("inf")]])
def test_refuses_values_that_are_no_bars(values):
    with pytest.raises(ValueError):
        bar_chart("x", ["a", "b"], [Series("s", values)])


@given(title=st.text(), labels=st.lists(st.text(), min_size=1, max_size=5), name=st.text())
def test_any_text_gives_well_formed_svg_that_says_it(title, labels, name):
    root = parse(bar_chart(title, labels, [Series(name, [1] * len(labels))]))
    shown = root.find(f"{SVG}title").text or ""
    # What XML can carry of the title, its line ends as any XML parser reads them.
    expected = re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]", "", title).replace("\r\n", "\n").replace("\r", "\n")
    assert shown == expected and not [e for e in root.iter() if e.tag == f"{SVG}script"]
    assert len(bars(root)) == len(labels)
