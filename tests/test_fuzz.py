"""Property-based builds: generated documents build in every edition and verify clean.

CI runs a few examples; `make fuzz` runs many (HYPOTHESIS_PROFILE=long).
"""
from __future__ import annotations

import io
import os
from contextlib import redirect_stdout
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from publisher import build as builder
from publisher import verify

settings.register_profile("ci", max_examples=4, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
settings.register_profile("long", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

HAN = "党建工作江门推动基层治理干部人才队伍发展服务群众社区乡村建设创新理论学习教育组织经济"
WORDS = ["Python", "WeasyPrint", "GDP", "the", "report", "data", "Jiangmen", "OK"]
UNITS = ["次", "万多人次", "个", "%", "年", "多项", "万元", "名"]

han = st.text(alphabet=HAN, min_size=2, max_size=12)
number = st.builds(lambda n, d, u: f"{n}{'.' + str(d) if d else ''}{u}",
                   st.integers(1, 99999), st.one_of(st.none(), st.integers(1, 9)), st.sampled_from(UNITS))
compound = st.sampled_from(["1+6+N", "1+6+3", "“1310”"])
piece = st.one_of(han, han, number, compound, st.sampled_from(WORDS).map(lambda w: f" {w} "))
sentence = st.lists(piece, min_size=2, max_size=8).map(lambda p: "".join(p).strip() + "。")
paragraph = st.lists(sentence, min_size=1, max_size=5).map(lambda s: ",".join(s))
block = st.one_of(
    paragraph,
    st.lists(paragraph, min_size=1, max_size=4).map(lambda items: "\n".join(f"- {i}" for i in items)),
    st.integers(1, 3).map(lambda n: f"![{HAN[n:n + 6]}的照片,第{n}张。](img{n}.png)"),
)
section = st.tuples(han, st.lists(block, min_size=1, max_size=5))
document = st.lists(section, min_size=1, max_size=4)


def write_images(folder: Path) -> None:
    for n, colour in enumerate([(200, 40, 40), (40, 160, 60), (40, 60, 200)], start=1):
        image = Image.new("RGB", (640, 400 + 80 * n), colour)
        ImageDraw.Draw(image).ellipse([40 * n, 40, 300 + 60 * n, 300], fill=(250, 250, 250))
        image.save(folder / f"img{n}.png")


def write_document(folder: Path, sections: list[tuple[str, list[str]]]) -> Path:
    lines = ["---", "title: 生成的文档", "date: 2025-01-01", "---", ""]
    for index, (title, blocks) in enumerate(sections, start=1):
        lines += [f"## 第{index}部分 {title}", ""]
        for text in blocks:
            lines += [text, ""]
    path = folder / "doc.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@given(document)
def test_generated_documents_build_and_verify(tmp_path_factory: pytest.TempPathFactory, sections) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    write_images(folder)
    source = write_document(folder, sections)
    builder.build(source, list(builder.RENDERERS), folder / "out")
    report = io.StringIO()
    with redirect_stdout(report):
        code = verify.run(source, [], folder / "out", False)
    assert code == 0, source.read_text(encoding="utf-8") + "\n" + report.getvalue()
