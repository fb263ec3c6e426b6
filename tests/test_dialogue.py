"""Conversations: which questions lean on the turns before them, and which never do.

No model here: reading a question in its conversation and the scope rules on
what the user typed are text work over the corpus. The end-to-end numbers
(every turn of benchmarks/eval/conversations*.jsonl) are in the slow tests at
the bottom and in the benchmark.
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from helpers import CORPUS, EVAL, read_jsonl
from taixin_qa.corpus import load_corpus
from taixin_qa.dialogue import FollowUpRules, Turn, focus, parse_history
from taixin_qa.errors import TaixinError
from taixin_qa.fusion import Signals
from taixin_qa.lexicon import Lexicon
from taixin_qa.query import QueryParser
from taixin_qa.results import Answer
from taixin_qa.scope import ScopeJudge
from taixin_qa.tokenization import Tokenizer

INVEST = "万柏林区起步第一年计划完成多少投资？"


@pytest.fixture(scope="module")
def parser() -> QueryParser:
    corpus = load_corpus(CORPUS)
    lexicon = Lexicon.from_corpus(corpus)
    return QueryParser(lexicon, Tokenizer(lexicon))


@pytest.fixture(scope="module")
def judge(parser: QueryParser) -> ScopeJudge:
    return ScopeJudge(parser.lexicon.corpus, set(parser.dialogue.term_interviews))


def said(speaker: str, post: str) -> dict:
    """An assistant turn as the chat shows it: a quote and its attribution."""
    return {"role": "assistant", "content": f"……页面上的一句话。（{speaker}，{post}）"}


REFUSED = {"role": "assistant", "content": "本版面没有涉及这个问题。"}


def user(text: str) -> dict:
    return {"role": "user", "content": text}


def exchange(question: str, speaker: str, post: str) -> list[dict]:
    """A question and the answer the chat gave, quoting ``speaker``."""
    return [user(question), said(speaker, post)]


# -- reading the history ------------------------------------------------------------


def test_history_shapes_all_read_the_same_turns():
    expected = [("user", "阳曲县的发展目标是什么？"), ("assistant", "努力实现……（裴耀军，阳曲县委书记）")]
    api = {
        "question": "阳曲县的发展目标是什么？",
        "text": "努力实现……（裴耀军，阳曲县委书记）",
        "found": True,
        "sentences": [{"text": "努力实现……", "speaker": "裴耀军"}],
        "understood_as": None,
    }
    shapes = [
        [user("阳曲县的发展目标是什么？"), {"role": "assistant", "content": "努力实现……（裴耀军，阳曲县委书记）"}],
        [("阳曲县的发展目标是什么？", "努力实现……（裴耀军，阳曲县委书记）")],
        [
            {"role": "user", "content": [{"type": "text", "text": "阳曲县的发展目标是什么？"}]},
            {"role": "assistant", "content": [{"type": "text", "text": "努力实现……（裴耀军，阳曲县委书记）"}]},
        ],
        [api],
        json.dumps([api], ensure_ascii=False),
        json.dumps(api, ensure_ascii=False),
        "\n".join(
            json.dumps(m, ensure_ascii=False)
            for m in [
                user("阳曲县的发展目标是什么？"),
                {"role": "assistant", "content": "努力实现……（裴耀军，阳曲县委书记）"},
            ]
        ),
        [user("阳曲县的发展目标是什么？"), {"role": "assistant", "content": json.dumps(api, ensure_ascii=False)}],
        [
            {"role": "system", "content": "你是助手"},
            user("阳曲县的发展目标是什么？"),
            {"role": "assistant", "content": "<p>努力实现……<span>（裴耀军，阳曲县委书记）</span></p>"},
        ],
    ]
    for shape in shapes:
        turns = parse_history(shape)
        assert [(t.role, t.text.replace(" ", "")) for t in turns] == expected, shape
        assert turns[1].speakers == ("裴耀军",), shape


def test_history_of_questions_only_and_answers_objects():
    assert [t.text for t in parse_history(["q1", "q2"])] == ["q1", "q2"]
    assert parse_history(None) == [] and parse_history("") == [] and parse_history([]) == []
    assert parse_history("上一个问题") == [Turn("user", "上一个问题")]
    ans = Answer("版面没有……", [], False, question="红烧肉怎么做？")
    turns = parse_history([ans])
    assert [(t.role, t.found) for t in turns] == [("user", None), ("assistant", False)]
    with pytest.raises(TaixinError):
        parse_history(42)


# -- when a question continues --------------------------------------------------------


def test_elliptical_question_asks_the_last_question_about_the_new_place(parser):
    q = parser.parse("那古交呢？", [INVEST])
    assert q.continued and q.subject == {"li-weiping"}
    assert q.intent == "起步第一年计划完成多少投资"
    assert "古交市" in q.understood_as and "投资" in q.understood_as and "万柏林" not in q.understood_as
    assert q.bare == "那古交呢?" and q.interview_ids == {"li-weiping"}


@pytest.mark.parametrize(
    "question",
    [
        "红烧肉怎么做？",
        "今天天气怎么样？",
        "北京的房价多少？",
        "谁说要当排头兵？",
        "忻州市委书记是谁？",
        "哪位书记提出了“三转三定”？",
        "李慧担任什么职务？",
        "这版采访了几位书记？",
        "古交打算怎么发展新能源？",
    ],
)
def test_questions_that_stand_on_their_own_never_inherit(parser, question):
    history = [user(INVEST), said("杨俊民", "万柏林区委书记"), user("那古交呢？"), said("李卫平", "古交市委书记")]
    q = parser.parse(question, history)
    assert not q.continued and not q.subject and q.understood_as is None
    assert q.text == q.bare


def test_he_means_the_person_just_quoted(parser):
    history = exchange("阳曲县的发展目标是什么？", "裴耀军", "阳曲县委书记")
    history += exchange("谁提到了太钢？", "卢俊峰", "副市长、尖草坪区委书记、中北高新区党委书记")
    q = parser.parse("他还说了什么？", history)
    assert q.continued and q.subject == {"lu-junfeng"}
    assert q.understood_as.startswith("卢俊峰")
    assert q.text == q.bare  # the subject filters the search; no name is glued onto the text


def test_chained_ellipsis_keeps_what_was_asked(parser):
    history = exchange("阳曲县的发展目标是什么？", "裴耀军", "阳曲县委书记")
    history += exchange("那万柏林呢？", "杨俊民", "万柏林区委书记")
    q = parser.parse("古交呢？", history)
    assert q.continued and q.subject == {"li-weiping"}
    assert "古交市" in q.understood_as and "发展目标" in q.understood_as
    assert q.intent == "发展目标是什么"


def test_english_follow_up_after_a_chinese_question(parser):
    q = parser.parse(
        "What about Xinghualing?", [user("万柏林区有哪些传统优势产业？"), said("杨俊民", "万柏林区委书记")]
    )
    assert q.continued and q.subject == {"li-wenquan"}
    assert "杏花岭区" in q.text and "传统优势产业" in q.text
    assert q.bare == "What about Xinghualing?"


def test_an_off_page_turn_neither_changes_nor_clears_the_subject(parser):
    history = [user("古交要布局哪些新能源项目？"), said("李卫平", "古交市委书记"), user("红烧肉怎么做？"), REFUSED]
    assert parser.parse("他还说了什么？", history).subject == {"li-weiping"}
    # With questions only, the off-page turn is recognised from its words.
    assert parser.parse("他还说了什么？", ["古交要布局哪些新能源项目？", "红烧肉怎么做？"]).subject == {"li-weiping"}


def test_a_word_only_another_interview_uses_is_a_switch(parser):
    history = [user("迎泽区要打造哪五大融合载体？"), said("李慧", "迎泽区委书记")]
    assert not parser.parse("他提到大盂启动区要做哪些工作？", history).continued
    assert parser.parse("她还提到了哪些景区？", history).subject == {"li-hui"}


def test_continue_words_and_not_pronouns(parser):
    history = [user("古交有哪些传统优势产业？"), said("李卫平", "古交市委书记")]
    more = parser.parse("还有呢？", history)
    assert more.continued and more.subject == {"li-weiping"} and "传统优势产业" in more.text
    assert parser.parse("这位书记还说要做什么？", history).continued
    assert not parser.parse("其他区县有哪些传统产业？", []).continued  # 他 inside 其他 is no pronoun


def test_no_history_or_nothing_to_refer_to(parser):
    assert not parser.parse("他还说了什么？").continued
    assert not parser.parse("他还说了什么？", ["红烧肉怎么做？"]).continued


# -- scope on what the user typed ---------------------------------------------------------


def _signals(n: int = 41, sparse: float = 0.0, cosine: float = 0.7) -> Signals:
    return Signals(
        cosine=np.full(n, cosine, np.float32),
        bm25=np.zeros(n, np.float32),
        named=np.zeros(n, np.float32),
        kind_prior=np.zeros(n, np.float32),
        chinese_share=1.0,
        keyword_coverage=0.0,
        sparse=np.full(n, sparse, np.float32),
        sentence_cosine=np.full(n, cosine, np.float32),
    )


@pytest.mark.parametrize(
    "text,place",
    [
        ("忻州市委书记是谁？", "忻州"),
        ("那忻州市委书记呢？", "忻州"),
        ("小店区委书记是谁？", "小店"),
        ("那北京的书记呢？", "北京"),
        ("Who is the party secretary of Datong?", "Datong"),
        ("阳曲县委书记是谁？", None),
        ("这版采访了几位书记？", None),
        ("卢俊峰是副市长吗？", None),
        ("受访的书记里，谁强调了“精准”？", None),  # the secretaries interviewed here
        ("Who is the party secretary of Wanbolin District?", None),
    ],
)
def test_office_holders_of_other_places(judge, text, place):
    assert judge.foreign_office(text) == place


@pytest.mark.parametrize("name", ["scope.yaml", "followup.yaml"])
def test_an_invalid_word_list_is_a_clear_error(parser, tmp_path, name):
    corpus = dataclasses.replace(parser.lexicon.corpus, root=tmp_path)
    corpus.lexicon_file(name).parent.mkdir()
    corpus.lexicon_file(name).write_text("units: [兆瓦\n", encoding="utf-8")
    with pytest.raises(TaixinError, match=f"{name}: not valid YAML"):
        if name == "scope.yaml":
            ScopeJudge(corpus, set())
        else:
            FollowUpRules.from_lexicon(dataclasses.replace(parser.lexicon, corpus=corpus))


def test_a_name_the_user_did_not_type_is_never_a_pass(parser, judge):
    history = [user("陽曲縣委書記是誰？"), said("裴耀军", "阳曲县委书记")]
    q = parser.parse("忻州市委书记是谁？", history)
    assert not judge.judge(q, _signals(sparse=30.0), []).answerable
    q = parser.parse("那忻州市委书记呢？", history)
    assert not judge.judge(q, _signals(sparse=30.0), []).answerable


@pytest.mark.parametrize(
    "question,answerable",
    [
        ("他的老家在哪里？", False),
        ("他有几个孩子？", False),
        ("那红烧肉呢？", False),
        ("他提出了哪些工作抓手？", True),
        ("还有呢？", True),
        ("那里还要建哪些基础设施？", True),
        ("他说的GDP是多少？", False),
    ],
)
def test_a_follow_up_needs_its_own_words_on_the_page(parser, judge, question, answerable):
    q = parser.parse(question, [user("阳曲县提出的“六个一”是什么？"), said("裴耀军", "阳曲县委书记")])
    assert q.continued or not answerable
    assert judge.judge(q, _signals(), []).answerable is answerable, judge.judge(q, _signals(), []).reason


def test_focus_follows_the_question_when_the_filter_contradicts_it(parser):
    q = parser.parse("古交打算怎么发展新能源？")
    f = focus(q, frozenset({"pei-yaojun"}), "阳曲县")
    assert f.interviews == {"li-weiping"} and "阳曲县" in f.notice and "古交" in f.notice
    f = focus(parser.parse("那古交呢？", [INVEST]), None)
    assert f.interviews == {"li-weiping"} and f.notice == ""  # understood_as says how it was read
    assert focus(parser.parse("红烧肉怎么做？", [INVEST]), None).interviews is None


# -- the evaluation sets ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["conversations.jsonl", "conversations-heldout.jsonl"])
def test_conversation_sets_are_well_formed(name):
    convs = read_jsonl(EVAL / name)
    assert len(convs) >= (80 if name == "conversations.jsonl" else 30)
    interviews = {iv.id for iv in load_corpus(CORPUS).interviews}
    for conv in convs:
        assert 2 <= len(conv["turns"]) <= 5, conv["id"]
        for turn in conv["turns"]:
            assert turn["found"] in (True, False, None)
            assert set(turn.get("interviews") or []) <= interviews
            for pid in turn.get("paragraphs") or []:
                assert pid.rsplit("-p", 1)[0] in turn["interviews"], (conv["id"], pid)


@pytest.mark.parametrize(
    "question,answerable",
    [
        ("谁提到了太钢？", True),
        ("哪个区有二电厂？", True),
        ("谁说“功成不必在我”？", True),
        ("太钢的股价是多少？", False),
        ("谁发明了风电？", False),
        ("谁说“明天会下雨”？", False),
        ("谁提到了雄安？", True),  # the start of 雄安新区, which one interview uses
        ("谁管大盂？", True),
        ("谁提到了五大？", False),  # 五大商圈 and 五大融合载体: two interviews
        ("Who described his county as the zone's 'sharp-knife squad and vanguard'?", True),  # 尖刀班, 排头兵
    ],
)
def test_who_said_a_thing_only_one_interview_speaks_of(parser, judge, question, answerable):
    # Weak sparse evidence (12): only the page's own terms and quotes can carry these.
    assert judge.judge(parser.parse(question), _signals(sparse=12.0), []).answerable is answerable


def test_a_paraphrased_follow_up_passes_on_its_subjects_passages(parser, judge):
    q = parser.parse("他们怎么考核官员？", [user("阳曲县提出的“六个一”是什么？"), said("裴耀军", "阳曲县委书记")])
    rows = np.arange(10)
    weak, strong = _signals(sparse=5.0), _signals(sparse=5.0)
    assert strong.sparse is not None
    strong.sparse[rows[:1]] = 16.0
    assert not judge.judge(q, weak, [], rows=rows).answerable
    assert judge.judge(q, strong, [], rows=rows).answerable
    strong_elsewhere = _signals(sparse=5.0)
    assert strong_elsewhere.sparse is not None
    strong_elsewhere.sparse[20] = 16.0  # the match is in another interview's passage: not the subject's
    assert not judge.judge(q, strong_elsewhere, [], rows=rows).answerable


def test_he_is_the_lead_speaker_of_the_last_answer(parser):
    history = [
        user("谁提到了太钢？"),
        {"role": "assistant", "content": "……（卢俊峰，副市长）\n……（杨俊民，万柏林区委书记）"},
    ]
    assert parser.parse("他还说了什么？", history).subject == {"lu-junfeng"}


# -- end to end, with the real model ---------------------------------------------------------


@pytest.fixture(scope="module")
def engine():
    from taixin_qa.engine import Engine

    return Engine().open()


def _conversation(engine, *questions: str):
    history: list = []
    answers = []
    for q in questions:
        ans = engine.answer(q, history=list(history))
        answers.append(ans)
        history += [{"role": "user", "content": q}, {"role": "assistant", "content": ans.text}]
    return answers


@pytest.mark.slow
@pytest.mark.parametrize("question", ["红烧肉怎么做？", "今天天气怎么样？", "北京的房价多少？"])
def test_off_page_after_a_follow_up_is_refused(engine, question):
    first, second, third = _conversation(engine, INVEST, "那古交呢？", question)
    assert first.found and second.understood_as and "古交" in second.understood_as
    assert not third.found and third.understood_as is None


@pytest.mark.slow
def test_the_example_button_answers_pei_yaojun_whatever_came_before(engine):
    *_, ans = _conversation(engine, INVEST, "那古交呢？", "谁说要当排头兵？")
    assert ans.found and ans.sentences[0].passage.speaker == "裴耀军" and ans.understood_as is None


@pytest.mark.slow
def test_issue_conversations(engine):
    assert not _conversation(engine, "陽曲縣委書記是誰？", "忻州市委书记是谁？")[1].found
    ans = _conversation(engine, "杨俊民说万柏林区要打造哪些产业集群？", "李慧担任什么职务？")[1]
    assert ans.found and "李慧" in ans.text
    ans = _conversation(engine, "万柏林区有哪些传统优势产业？", "What about Xinghualing?")[1]
    assert ans.understood_as and "杏花岭" in ans.understood_as
    assert not ans.found or ans.passages[0].interview_id == "li-wenquan"
    third = _conversation(engine, "阳曲县的发展目标是什么？", "那万柏林呢？", "古交呢？")[2]
    assert third.found and third.sentences[0].passage.interview_id == "li-weiping" and "发展目标" in third.understood_as


@pytest.mark.slow
def test_a_filter_that_contradicts_the_question_is_said(engine):
    ans = engine.answer("古交打算怎么发展新能源？", district="阳曲县")
    assert ans.found and ans.sentences[0].passage.interview_id == "li-weiping"
    assert "阳曲县" in ans.text and "古交" in ans.notice


@pytest.mark.slow
def test_conversation_sets_meet_the_targets(engine):
    from taixin_qa.evaluation import CONVERSATION_TARGETS, conversation_quality

    for name, metrics in conversation_quality(engine).items():
        for key, target in CONVERSATION_TARGETS.items():
            ok = metrics[key] <= target if key.startswith("false_refusals") else metrics[key] >= target
            assert ok, (name, key, metrics[key], target)


@pytest.mark.slow
def test_cli_history_takes_earlier_answers_and_says_how_it_read_the_question(tmp_path):
    from click.testing import CliRunner

    from taixin_qa.cli import main

    runner = CliRunner()
    first = runner.invoke(main, ["ask", "--json", "谁说要当排头兵？"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.output)["sentences"][0]["speaker"] == "裴耀军"
    follow = runner.invoke(main, ["ask", "-v", "他提出了哪些工作抓手？", "--history", first.output])
    assert follow.exit_code == 0, follow.output
    assert "按上一问理解为：裴耀军提出了哪些工作抓手？" in follow.output and "（裴耀军，阳曲县委书记）" in follow.output
    lines = tmp_path / "history.jsonl"
    lines.write_text(
        "\n".join(
            json.dumps(m, ensure_ascii=False)
            for m in [
                user(INVEST),
                said("杨俊民", "万柏林区委书记"),
                user("那古交呢？"),
                said("李卫平", "古交市委书记"),
            ]
        ),
        encoding="utf-8",
    )
    off = runner.invoke(main, ["ask", "-v", "红烧肉怎么做？", "--history-file", str(lines)])
    assert off.exit_code == 0 and "本版面没有涉及这个问题" in off.output and "单独理解" in off.output


def test_demonstratives_and_openers_go_on_with_the_subject(parser):
    q = parser.parse("这个行动以什么为载体？", ["古交要开展什么大行动？"])
    assert q.continued and q.subject == {"li-weiping"} and q.understood_as.startswith("古交市")
    assert parser.parse("具体是哪几个方面？", ["杏花岭区要在几个方面持续用力？"]).subject == {"li-wenquan"}
    assert not parser.parse("这个版面采访了哪几个区县的书记？", ["古交要开展什么大行动？"]).continued


def test_who_else_said_this_looks_in_the_other_interviews(parser):
    q = parser.parse("还有哪些书记也提了这个目标？", ["阳曲县的发展目标是什么？"])
    assert q.continued and "pei-yaojun" not in q.subject and len(q.subject) == 5
    assert "发展目标" in q.text and "阳曲" not in q.text


def test_odd_histories_are_read_without_failing(parser):
    from helpers import BAD_QUESTIONS

    odd = [
        None,
        [],
        {},
        {"role": "user"},
        {"role": "user", "content": None},
        {"role": "assistant", "content": {"x": 1}},
        [None, None],
        [1, 2, 3],
        ("q",),
        {"question": 5, "text": "a"},
        "{bad json",
        "[1,2",
        {"role": "user", "content": [{"type": "image", "url": "x"}, 7, None]},
        {"role": "assistant", "content": '{"found": "yes", "sentences": [1, {"speaker": null}]}'},
        *BAD_QUESTIONS,
    ]
    for item in odd:
        assert isinstance(parser.parse("他还说了什么？", [item]).text, str)
    for question in BAD_QUESTIONS:
        assert isinstance(parser.parse(question, BAD_QUESTIONS).text, str)
    many = [user("阳曲县的发展目标是什么？"), said("裴耀军", "阳曲县委书记")] * 5000
    assert parser.parse("他还说了什么？", many).subject == {"pei-yaojun"}
    with pytest.raises(TaixinError):
        parser.parse("他还说了什么？", 42)


def test_focus_on_a_follow_up_against_the_filter_follows_the_question(parser):
    f = focus(parser.parse("那古交呢？", [INVEST]), frozenset({"pei-yaojun"}), "阳曲县")
    assert f.interviews == {"li-weiping"}
    assert "与筛选条件“阳曲县”不符" in f.notice


@pytest.mark.parametrize(
    "question,interviews",
    [
        ("谁提到了太钢？", {"lu-junfeng"}),
        ("哪位书记要培育五大商圈？", {"li-wenquan"}),
        ("谁说要当排头兵？", {"pei-yaojun"}),
        ("太钢的股价是多少？", set()),
        ("谁发明了风电？", set()),
        ("哪里搞风电？", {"li-weiping"}),  # where, as 哪个区 asks it
        ("风电在哪里用得多？", set()),  # 哪里 not opening the question asks no who/which
        ("阳曲县委书记是谁？", set()),
        ("Which party secretary brought up the Shengke Financial Center project?", {"li-hui"}),  # 盛科, in pinyin
        ("Who is the richest man in Shengke?", set()),  # asks who, but of nothing said on the page
    ],
)
def test_who_about_a_term_of_one_interview_looks_there(parser, question, interviews):
    q = parser.parse(question, [INVEST])
    assert q.points_to == interviews and not q.continued
    assert focus(q, None).interviews == (interviews or None)


@pytest.mark.parametrize(
    "question, refused",
    [
        ("周末从太原自驾去五台山怎么走最快？", True),  # a route, though 五台山 is on the page
        ("山西老陈醋哪个牌子最正宗？", True),
        ("What is the weather in Taiyuan?", True),
        ("古交转型发展的路子怎么走？", False),  # 怎么走 about the page's subject
        ("尖草坪区要制定哪些路线图？", False),  # 路线图 is printed
        ("迎泽区要与哪些景区景点联动？", False),
    ],
)
def test_practical_questions_the_page_never_answers_are_refused_by_their_words(judge, question, refused):
    assert (judge.lexical_refusal(question, names_ours=False) is not None) == refused


def test_which_county_questions_search_the_interviews_of_a_county(parser):
    assert parser.parse("哪个县说启动区建设要先走一步好棋？").place_kind == {"pei-yaojun"}  # the only 县
    assert "pei-yaojun" not in parser.parse("这是哪个区的打算？").place_kind
    assert parser.parse("哪个区县提到了商圈？").place_kind == frozenset()  # 区县: any place
    assert parser.parse("尖草坪区离哪个市最近？").place_kind == frozenset()  # names a place: asks another thing


def test_only_proper_names_single_out_an_interview(parser):
    # 大盂 is a place name printed in 阳曲's interview only; 投资 and 引进 are common words that
    # one interview happens to use
    assert parser.parse("大盂那个启动区计划引进的第一个项目总投资是多少钱？").singled_out == {"pei-yaojun"}
    assert parser.parse("万柏林区第一年计划完成多少投资？").singled_out == frozenset()


def test_an_english_question_writing_a_page_word_in_chinese_is_about_the_page(parser, judge):
    low = _signals(sparse=5.0)
    q = parser.parse("According to the photo caption, where has the outlet mall (奥特莱斯) been set up?")
    assert judge.judge(q, low, []).answerable
    q = parser.parse("Where can I buy a good 电饭煲 (rice cooker)?")  # Chinese, but not the page's
    assert not judge.judge(q, low, []).answerable
