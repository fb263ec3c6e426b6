"""Check the evaluation set against the corpus.

Run with the project venv, no arguments:

    /work/main/.venv/bin/python benchmarks/eval/validate.py

Checks questions.jsonl and followups.jsonl: ids unique, every gold paragraph
exists, gold_interviews match the gold paragraphs, every answer is a verbatim
substring of at least one gold paragraph, out-of-scope items have no gold and
no answer, and each question kind meets its minimum count. Every in-scope
question of questions.jsonl and heldout.jsonl has a question type (``qtype``)
and an exact gold ``span`` (a string, or a list of strings that must all
appear) taken verbatim from its gold paragraphs or its interviews' header.
structure*.jsonl (questions about the page itself) and missing*.jsonl
("same question about another speaker who has no answer") are checked too.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "src"))

from taixin_qa.corpus import load_corpus  # noqa: E402
from taixin_qa.evaluation import read_jsonl  # noqa: E402 - one JSON-lines reader, the package's

MIN_KIND = {
    "fact": 20,
    "number": 8,
    "who": 10,
    "paraphrase": 10,
    "place_to_person": 6,
    "person_to_topic": 5,
    "multi_speaker": 5,
    "english": 10,
    "traditional": 6,
    "out_of_scope": 12,
    "out_of_scope_near": 8,
}
OOS_KINDS = {"out_of_scope", "out_of_scope_near"}
# What a question asks for; the first six are "fact" questions that should get a direct answer.
QTYPES = {"number", "count", "list", "name", "place", "date", "post", "what", "how"}
STRUCTURE_KINDS = {
    "post_holder",
    "posts",
    "places",
    "count",
    "speakers",
    "reporter",
    "interviewed_by",
    "reporters",
    "headline",
    "title",
    "date",
    "speakers_on_date",
    "publication_date",
    "refuse",
}
MIN_STRUCTURE = 30
MIN_MISSING = 15
LANGS = {"zh", "zh-hant", "en"}
KIND_LANG = {"english": "en", "traditional": "zh-hant"}
MIN_QUESTIONS = 100
MIN_OOS_TOTAL = 20
MIN_FOLLOWUPS = 12
REQUIRED_FOLLOWUPS = [
    # (first turn, follow-up, gold interview, text the gold paragraphs must contain)
    ("万柏林区第一年计划完成多少投资？", "那古交呢？", "li-weiping", None),
    ("李慧谈了哪些载体？", "她还提到了哪些景区？", "li-hui", ("五台山", "忻州古城", "雁门关")),
]


def check_gold(row: dict, paragraphs: dict, where: str, errors: list[str]) -> None:
    gp = row.get("gold_paragraphs")
    gi = row.get("gold_interviews")
    if not isinstance(gp, list) or not isinstance(gi, list):
        errors.append(f"{where}: gold_paragraphs / gold_interviews must be lists")
        return
    if len(set(gp)) != len(gp):
        errors.append(f"{where}: duplicate gold paragraph")
    if len(set(gi)) != len(gi):
        errors.append(f"{where}: duplicate gold interview")
    missing = [p for p in gp if p not in paragraphs]
    if missing:
        errors.append(f"{where}: unknown gold paragraph(s) {missing}")
        return
    expected = {paragraphs[p].interview_id for p in gp}
    if set(gi) != expected:
        errors.append(f"{where}: gold_interviews {gi} != interviews of gold paragraphs {sorted(expected)}")
    answer = row.get("answer")
    if answer is not None:
        if not isinstance(answer, str) or not answer:
            errors.append(f"{where}: answer must be a non-empty string or null")
        elif not any(answer in paragraphs[p].text for p in gp):
            errors.append(f"{where}: answer {answer!r} is not a verbatim substring of any gold paragraph")


def check_span(row: dict, paragraphs: dict, headers: dict, where: str, errors: list[str]) -> None:
    qtype, span = row.get("qtype"), row.get("span")
    if row.get("out_of_scope"):
        if span is not None:
            errors.append(f"{where}: out-of-scope question must have span null")
        return
    if qtype not in QTYPES:
        errors.append(f"{where}: unknown qtype {qtype!r} (one of {sorted(QTYPES)})")
    spans = span if isinstance(span, list) else [span]
    if not spans or not all(isinstance(x, str) and x for x in spans):
        errors.append(f"{where}: span must be a non-empty string or list of strings")
        return
    text = "".join(paragraphs[p].text for p in row.get("gold_paragraphs", []) if p in paragraphs)
    text += "".join(headers.get(i, "") for i in row.get("gold_interviews", []))
    for x in spans:
        if not isinstance(x, str) or x not in text:  # (all strings, checked above; this tells mypy)
            errors.append(f"{where}: span {x!r} is not verbatim in the gold paragraphs or their interviews' header")


def rows_with_fields(rows: list[dict], name: str, fields: tuple[str, ...], errors: list[str]) -> list[tuple[str, dict]]:
    """Checks that ids are unique and every row has ``fields``; each row with its label for further checks."""
    ids = Counter(r.get("id") for r in rows)
    errors += [f"{name}: duplicate id {i}" for i, n in ids.items() if n > 1]
    labelled = [(f"{name} {r.get('id')}", r) for r in rows]
    errors += [f"{where}: missing field {key}" for where, r in labelled for key in fields if key not in r]
    return labelled


def check_structure(rows: list[dict], name: str, errors: list[str]) -> None:
    fields = ("id", "question", "kind", "short", "items", "missing", "refused", "gold_interviews")
    for where, r in rows_with_fields(rows, name, fields, errors):
        if r.get("kind") not in STRUCTURE_KINDS:
            errors.append(f"{where}: unknown kind {r.get('kind')!r}")
        expected = [r.get("short") is not None, bool(r.get("items")), bool(r.get("missing")), bool(r.get("refused"))]
        if sum(expected) != 1:
            errors.append(f"{where}: exactly one of short, items, missing, refused must be set")


def check_missing(rows: list[dict], name: str, errors: list[str]) -> None:
    rows_with_fields(rows, name, ("id", "history", "question", "subject", "place", "topic"), errors)


def check_questions(rows: list[dict], paragraphs: dict, errors: list[str]) -> Counter:
    ids = Counter(r.get("id") for r in rows)
    errors += [f"questions: duplicate id {i}" for i, n in ids.items() if n > 1]
    texts = Counter(r.get("question") for r in rows)
    errors += [f"questions: duplicate question {t!r}" for t, n in texts.items() if n > 1]
    kinds: Counter = Counter()
    for r in rows:
        where = f"questions {r.get('id')}"
        for key in ("id", "question", "lang", "kind", "gold_interviews", "gold_paragraphs", "answer", "out_of_scope"):
            if key not in r:
                errors.append(f"{where}: missing field {key}")
        kind, lang = r.get("kind"), r.get("lang")
        kinds[kind] += 1
        if kind not in MIN_KIND:
            errors.append(f"{where}: unknown kind {kind!r}")
        if lang not in LANGS:
            errors.append(f"{where}: unknown lang {lang!r}")
        if kind in KIND_LANG and lang != KIND_LANG[kind]:
            errors.append(f"{where}: kind {kind} needs lang {KIND_LANG[kind]}")
        if not isinstance(r.get("question"), str) or not r["question"].strip():
            errors.append(f"{where}: empty question")
        oos = kind in OOS_KINDS
        if r.get("out_of_scope") is not oos:
            errors.append(f"{where}: out_of_scope must be {oos} for kind {kind}")
        if oos:
            if r.get("gold_paragraphs") or r.get("gold_interviews") or r.get("answer") is not None:
                errors.append(f"{where}: out-of-scope question must have empty gold and null answer")
            continue
        if not r.get("gold_paragraphs"):
            errors.append(f"{where}: in-scope question without gold paragraphs")
        if r.get("answer") is None:
            errors.append(f"{where}: in-scope question without answer")
        check_gold(r, paragraphs, where, errors)
    for kind, minimum in MIN_KIND.items():
        if kinds[kind] < minimum:
            errors.append(f"questions: kind {kind} has {kinds[kind]}, needs >= {minimum}")
    if len(rows) < MIN_QUESTIONS:
        errors.append(f"questions: {len(rows)} questions, needs >= {MIN_QUESTIONS}")
    if sum(kinds[k] for k in OOS_KINDS) < MIN_OOS_TOTAL:
        errors.append(f"questions: fewer than {MIN_OOS_TOTAL} out-of-scope questions")
    return kinds


def check_followups(rows: list[dict], paragraphs: dict, errors: list[str]) -> None:
    ids = Counter(r.get("id") for r in rows)
    errors += [f"followups: duplicate id {i}" for i, n in ids.items() if n > 1]
    for r in rows:
        where = f"followups {r.get('id')}"
        for key in ("id", "history", "question", "gold_interviews", "gold_paragraphs", "answer"):
            if key not in r:
                errors.append(f"{where}: missing field {key}")
        history = r.get("history")
        if not isinstance(history, list) or not history:
            errors.append(f"{where}: history must be a non-empty list of [user, assistant|null] turns")
        else:
            for turn in history:
                ok = (
                    isinstance(turn, list)
                    and len(turn) == 2
                    and isinstance(turn[0], str)
                    and (turn[1] is None or isinstance(turn[1], str))
                )
                if not ok:
                    errors.append(f"{where}: bad history turn {turn!r}")
        if not r.get("gold_paragraphs"):
            errors.append(f"{where}: follow-up without gold paragraphs")
        check_gold(r, paragraphs, where, errors)
    if len(rows) < MIN_FOLLOWUPS:
        errors.append(f"followups: {len(rows)} conversations, needs >= {MIN_FOLLOWUPS}")
    for first, question, interview, must_contain in REQUIRED_FOLLOWUPS:
        found = [r for r in rows if r.get("question") == question and r.get("history") and r["history"][0][0] == first]
        if len(found) != 1:
            errors.append(f"followups: need exactly one conversation {first!r} -> {question!r}, found {len(found)}")
            continue
        r = found[0]
        if r.get("gold_interviews") != [interview]:
            errors.append(f"followups {r.get('id')}: gold_interviews must be [{interview!r}]")
        if must_contain:
            text = "".join(paragraphs[p].text for p in r.get("gold_paragraphs", []) if p in paragraphs)
            lacking = [w for w in must_contain if w not in text]
            if lacking:
                errors.append(f"followups {r.get('id')}: gold paragraphs lack {lacking}")


def main() -> int:
    corpus = load_corpus(ROOT / "corpus")
    paragraphs = {p.id: p for iv in corpus.interviews for p in iv.paragraphs}
    headers = {iv.id: f"{iv.subtitle or ''}{iv.speaker}{iv.role}{iv.district}" for iv in corpus.interviews}
    errors: list[str] = []
    questions = read_jsonl(HERE / "questions.jsonl")
    followups = read_jsonl(HERE / "followups.jsonl")
    kinds = check_questions(questions, paragraphs, errors)
    check_followups(followups, paragraphs, errors)
    for name in ("questions", "heldout"):
        for r in read_jsonl(HERE / f"{name}.jsonl"):
            check_span(r, paragraphs, headers, f"{name} {r.get('id')}", errors)
    structure = [read_jsonl(HERE / f"{n}.jsonl") for n in ("structure", "structure_heldout")]
    missing = [read_jsonl(HERE / f"{n}.jsonl") for n in ("missing", "missing_heldout")]
    for name, rows in zip(("structure", "structure_heldout"), structure):
        check_structure(rows, name, errors)
    for name, rows in zip(("missing", "missing_heldout"), missing):
        check_missing(rows, name, errors)
    if sum(len(r) for r in structure) < MIN_STRUCTURE:
        errors.append(f"structure: fewer than {MIN_STRUCTURE} questions about the page's structure")
    if sum(len(r) for r in missing) < MIN_MISSING:
        errors.append(f"missing: fewer than {MIN_MISSING} 'same question, another speaker' follow-ups")
    if errors:
        for e in errors:
            print("FAIL", e)
        print(f"{len(errors)} problem(s)")
        return 1
    print(f"OK: {len(questions)} questions, {len(followups)} follow-ups")
    for kind in MIN_KIND:
        print(f"  {kind:18s} {kinds[kind]:3d} (min {MIN_KIND[kind]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
