"""Answers: the direct answer first (only when certain), sentences from any top passage, citations that point,
and what a follow-up's subject lacks. Fast: a hand-made index of real page sentences, no model."""

from __future__ import annotations

from typing import Any, cast

import numpy as np
import pytest

from helpers import CORPUS
from taixin_qa.answering import compose_answer, compose_structure_answer, source_label
from taixin_qa.chunking import Passage, split_sentences
from taixin_qa.corpus import load_corpus
from taixin_qa.lexicon import Lexicon
from taixin_qa.query import Question
from taixin_qa.results import SearchResult
from taixin_qa.spans import asked_count, asked_heads, led_items, question_leads, question_type
from taixin_qa.spans import find_span as find_span_with
from taixin_qa.structure import PageStructure

CORPUS_DATA = load_corpus(CORPUS)
PARAGRAPHS = {p.id: (iv, p) for iv in CORPUS_DATA.interviews for p in iv.paragraphs}
LEXICON = Lexicon.from_corpus(CORPUS_DATA)


def find_span(question: str, sentence: str, qtype: str | None = None):
    """spans.find_span with an English category noun read as the engine reads it (Question.kinds)."""
    return find_span_with(question, sentence, qtype, LEXICON.english_kinds(question))


def passage(pid: str, score: float) -> Passage:
    iv, p = PARAGRAPHS[pid]
    return Passage.in_interview(iv, p.id, p.text, p.kind, score)


class PageIndex:
    """The few public methods of taixin_qa.index.Index the composer reads, over chosen passages.

    Every sentence gets the vector ``e0`` except those named in ``close``, which get a vector
    nearer to the question (``q = e1``): tests decide which sentence "matches" best.
    """

    def __init__(self, passages: list[Passage], close: dict[str, float] | None = None):
        self.passages = passages
        self.row_of = {p.id: i for i, p in enumerate(passages)}
        self.texts: list[str] = []
        self.rows: list[list[int]] = []
        vectors = []
        for p in passages:
            ids = []
            for s in split_sentences(p.text) if p.kind != "caption" else []:  # as the index: no caption sentences
                weight = next((w for needle, w in (close or {}).items() if needle in s), 0.0)
                ids.append(len(self.texts))
                self.texts.append(s)
                vectors.append(np.array([1.0 - weight, weight], dtype=np.float32))
            self.rows.append(ids)
        self.vectors = np.stack(vectors)

    def sentences_of(self, row: int) -> np.ndarray:
        return np.array(self.rows[row], dtype=np.int64)

    def sentence_text(self, sentence_id: int) -> str:
        return self.texts[int(sentence_id)]

    def sentence_vectors(self, ids: np.ndarray) -> np.ndarray:
        return self.vectors[ids]


class CharTokenizer:
    def cut_for_search(self, text: str) -> list[str]:
        return [text[i : i + 2] for i in range(len(text) - 1)]


def ask(text: str, passages: list[Passage], close: dict[str, float] | None = None, **question) -> object:
    page = question.pop("page", None)  # the whole index, when more than the retrieved passages
    q = Question(
        original=text,
        text=text,
        truncated=False,
        entities=question.pop("entities", {}),
        tokens=question.pop("tokens", tuple(CharTokenizer().cut_for_search(text))),
        chinese_share=question.pop("chinese_share", 1.0),
        kinds=question.pop("kinds", LEXICON.english_kinds(text)),
        bare=text,
        **question,
    )
    index = PageIndex(page or passages, close)
    result = SearchResult(q, passages, True, np.array([0.0, 1.0], dtype=np.float32))
    # Stand-ins with the methods compose_answer reads (typed as Index and Tokenizer there).
    return compose_answer(result, cast(Any, index), cast(Any, CharTokenizer()))


def test_number_question_leads_with_the_amount_in_bold_and_cites_the_sentence_it_came_from():
    ans = ask(
        "万柏林区第一年计划完成多少投资？",
        [passage("yang-junmin-p08", 2.0), passage("yang-junmin-p04", 1.95)],
        close={"300亿元": 0.9},
    )
    assert ans.short == "300亿元"
    assert ans.text.startswith("**300亿元**（杨俊民，万柏林区委书记）")
    first = ans.sentences[0]
    assert "300亿元" in first.text and first.source == 1 and ans.passages[0].id == "yang-junmin-p08"
    assert first.passage.text[first.start : first.start + len(first.text)] == first.text
    assert ans.text.splitlines()[1].endswith("[1]")
    assert ans.cited == 1 and len(ans.passages) == 2


def test_list_question_takes_the_enumerating_sentence_from_a_lower_passage_and_cites_it_first():
    # The top passage only names the first carrier; the one that lists all five ranks second.
    ans = ask(
        "迎泽区要打造哪五大融合载体？",
        [passage("li-hui-p02", 2.0), passage("li-hui-p01", 1.98)],
        close={"首个载体": 0.8, "五大融合载体，": 0.78},
    )
    assert ans.short == "核心区、承载区、集聚区、引领区、休闲区"
    assert ans.passages[0].id == "li-hui-p01" and ans.sentences[0].source == 1
    assert ans.cited == len({s.passage.id for s in ans.sentences})


def test_no_bold_answer_when_the_list_is_not_about_what_was_asked():
    # The best sentence lists road features, not universities: quote it, bold nothing.
    ans = ask("尖草坪区有哪些高校？", [passage("lu-junfeng-p03", 2.0)], close={"路网密集": 0.9})
    assert ans.short is None
    assert not ans.text.startswith("**")
    assert ans.sentences and ans.found


def test_who_said_it_is_answered_with_the_speaker_only_when_one_interview_clearly_leads():
    clear = ask("谁说要当排头兵？", [passage("pei-yaojun-p01", 2.2), passage("li-weiping-p07", 2.0)])
    assert clear.short == "裴耀军"
    close_call = ask("谁说要当排头兵？", [passage("pei-yaojun-p01", 2.01), passage("li-weiping-p07", 2.0)])
    assert close_call.short is None


def test_a_direct_answer_comes_from_the_interview_the_question_names_a_thing_of():
    # 大盂 is printed in 阳曲's interview only: 万柏林's 300亿元 does not answer about it
    top = [passage("yang-junmin-p08", 2.0), passage("yang-junmin-p04", 1.95)]
    about = ask(
        "大盂那个启动区的第一个项目总投资是多少？", top, close={"300亿元": 0.9}, singled_out=frozenset({"pei-yaojun"})
    )
    assert about.short is None and about.hedge
    own = ask(
        "大盂那个启动区的第一个项目总投资是多少？", top, close={"300亿元": 0.9}, singled_out=frozenset({"yang-junmin"})
    )
    assert own.short == "300亿元"


def test_which_district_owns_the_proper_names_the_question_prints():
    # 五大商圈 and 两大板块 are curated names (words.txt) only 杏花岭区's interview prints
    top = [passage("li-wenquan-p02", 1.97), passage("yang-junmin-p07", 1.94)]
    own = ask("培育五大商圈、打造两大板块，这是哪个区的规划？", top, singled_out=frozenset({"li-wenquan"}))
    assert own.short == "杏花岭区"
    other = ask("培育五大商圈、打造两大板块，这是哪个区的规划？", top, singled_out=frozenset({"yang-junmin"}))
    assert other.short is None


def test_who_printed_a_page_word_is_read_from_the_speakers_paragraphs_not_a_caption():
    # 奥特莱斯: a caption in 卢俊峰's interview (the paper's words) and a paragraph of 李慧's (hers)
    top = [passage("lu-junfeng-p01", 1.92), passage("li-hui-p05", 1.83)]
    page = [passage(pid, 0.0) for pid in PARAGRAPHS]
    ans = ask("谁提到了奥特莱斯？", top, page=page, content=("提到", "奥特莱斯"))
    assert ans.short == "李慧" and ans.sentences[0].passage.interview_id == "li-hui"


def test_two_words_side_by_side_in_the_question_are_read_as_one_page_word():
    # 中心城区 (cut 中心 城区) is printed in 李文权's interview only; the lead alone would not say who
    top = [passage("li-wenquan-p02", 1.95), passage("li-hui-p01", 1.94)]
    page = [passage(pid, 0.0) for pid in PARAGRAPHS]
    content = ("强调", "自己", "区", "太原", "中心", "城区")
    ans = ask("哪位书记强调自己的区是太原的中心城区？", top, page=page, content=content)
    assert ans.short == "李文权"
    apart = ask("哪位书记说中心在城区？", top, page=page, content=("中心", "城区"))  # not side by side
    assert apart.short != "李文权" or apart.short is None


def test_a_short_question_none_of_whose_words_the_leading_passage_prints_gets_no_speaker():
    # "光伏" is printed nowhere in the leading passage: its lead is the model's guess
    tokens = ("哪个", "区县", "要", "搞", "光伏")  # as jieba cuts it
    guess = ask("哪个区县要搞光伏？", [passage("pei-yaojun-p03", 2.2), passage("li-weiping-p07", 2.0)], tokens=tokens)
    assert guess.short is None and guess.hedge
    printed = ask(
        "谁提到了五台山？", [passage("li-hui-p06", 2.2), passage("li-weiping-p02", 2.0)], tokens=("提到", "五台山")
    )
    assert printed.short == "李慧"


def test_which_two_secretaries_is_a_who_question():
    both = ask("哪两位书记都提到要开展“大讨论”？", [passage("pei-yaojun-p04", 2.0), passage("li-weiping-p07", 1.9)])
    assert set(both.short.split("、")) == {"裴耀军", "李卫平"}


def test_follow_up_about_a_speaker_without_the_fact_says_what_is_missing_then_what_they_said():
    ans = ask(
        "古交市第一年计划完成多少投资？",
        [passage("li-weiping-p02", 2.0), passage("li-weiping-p04", 1.9)],
        continued=True,
        subject=frozenset({"li-weiping"}),
        intent="第一年计划完成多少投资",
        understood_as="古交市第一年计划完成多少投资？",
    )
    assert ans.missing == "版面没有给出古交市的投资额"
    assert ans.short is None
    assert ans.text.startswith("版面没有给出古交市的投资额。李卫平谈到的相关内容：")
    assert ans.understood_as == "古交市第一年计划完成多少投资？"


def test_follow_up_whose_subject_has_the_fact_is_not_called_missing():
    ans = ask(
        "万柏林区第一年计划完成多少投资？",
        [passage("yang-junmin-p08", 2.0)],
        close={"300亿元": 0.9},
        continued=True,
        subject=frozenset({"yang-junmin"}),
        intent="第一年计划完成多少投资",
    )
    assert ans.missing is None and ans.short == "300亿元"


def test_refused_question_has_no_sources_and_says_so():
    q = Question(
        original="红烧肉怎么做？", text="红烧肉怎么做？", truncated=False, entities={}, tokens=(), chinese_share=1.0
    )
    ans = compose_answer(
        SearchResult(q, [], False, reason="off the page"), PageIndex([passage("li-hui-p01", 1.0)]), CharTokenizer()
    )
    assert not ans.found and ans.passages == [] and ans.short is None and ans.reason == "off the page"


def test_structure_answer_cites_the_header_it_was_read_from():
    found = PageStructure(CORPUS_DATA).answer("阳曲县委书记叫啥")
    ans = compose_structure_answer(found, "阳曲县委书记叫啥")
    assert ans.short == "裴耀军" and ans.text.startswith("**裴耀军**")
    assert ans.passages[0].id == "pei-yaojun:subtitle" and ans.sentences[0].source == 1 and ans.cited == 1
    assert ans.to_dict()["short"] == "裴耀军"


def test_source_labels_count_paragraphs_as_a_reader_does():
    index = PageIndex([passage(pid, 1.0) for pid in PARAGRAPHS if pid.startswith("lu-junfeng")])
    assert source_label(passage("lu-junfeng-p01", 1.0), index) == "卢俊峰专访 图片说明"
    assert source_label(passage("lu-junfeng-p04", 1.0), index) == "卢俊峰专访 第3段"


@pytest.mark.parametrize(
    "question, qtype",
    [
        ("万柏林区第一年计划完成多少投资？", "number"),
        ("杏花岭区要培育几大商圈？", "count"),
        ("尖草坪区有哪些高校？", "list"),
        ("迎泽区要打造哪五大融合载体？", "list"),
        ("谁说要当排头兵？", "name"),
        ("哪些书记提到了“六个一”？", "name"),
        ("哪个区想成为全省的购物消费中心？", "place"),
        ("杨俊民是哪天接受专访的？", "date"),
        ("李卫平讲了古交哪几方面的产业打算？", "how"),
        ("万柏林区的商圈怎么规划的？", "how"),
        ("太原哪个地方有好几家兵工厂？", "place"),  # 好几家 is "several", not "how many"
        ("Which universities are located in Jiancaoping?", "list"),
        ("What investment does Wanbolin plan in its first year?", "number"),
        ("What concrete work does Yangqu list for the start-up area?", "list"),  # the verb asks a list
    ],
)
def test_question_type_from_its_cue_words(question, qtype):
    assert question_type(question) == qtype


@pytest.mark.parametrize(
    "question, sentence, expected",
    [
        ("杏花岭区要培育几大商圈？", "培育壮大“五大商圈”，打造“两大板块”。", "五大商圈"),
        ("尖草坪区组建了几支工作队伍？", "组建“征地拆迁、招商引资、要素保障、营商环境、服务企业”5支队伍。", "5支队伍"),
        (
            "迎泽区规划的金融核心集聚区占地多少？",
            "整合10座存量楼宇，加快构建占地约3平方公里的金融核心集聚区。",
            "约3平方公里",
        ),
        (
            "尖草坪区有哪些军工企业？",
            "辖区有太钢、二电厂以及江阳、兴安、新华三大军企，工业基础雄厚。",
            "江阳、兴安、新华",
        ),
        (
            "迎泽区打算出台哪些政策来承接高端产业转移？",
            "围绕承接高端产业转移，借助太忻经济区衔接京津冀、服务雄安新区的走廊优势，制定出台人才引进、科技创新、资金奖补等政策。",
            "人才引进、科技创新、资金奖补",
        ),
        (
            "太忻经济区建设启动大会是在哪里开的？",
            "太忻经济区(太原片区)建设启动大会在阳曲召开，这是市委对阳曲的高度重视。",
            "阳曲",
        ),
        (
            "阳曲在优化营商环境上推的是什么改革？",
            "推进“承诺制+标准地+代办制”改革，提升涉企服务质量效率。",
            "“承诺制+标准地+代办制”改革",
        ),
        (
            "万柏林区打造高端装备制造产业集群依托哪些企业？",
            "充分利用太重集团、中车、晋西集团、汾西重工等高端装备制造传统优势产业，打造高端装备制造产业集群。",
            "太重集团、中车、晋西集团、汾西重工",
        ),
        (
            "阳曲县要率先推动哪个区域的建设？",
            "坚决把率先推动大盂启动区建设作为全县重大的政治任务和头号工程。",
            "大盂启动区",
        ),  # the words around the wh-word are printed around the answer
        ("奥特莱斯落户哪个片区？", "奥特莱斯落户三给片区。", "三给片区"),  # the kind asked for ends the name
        (
            "古交“三转三定”里的“三转”具体指什么？",
            "古交市将大力开展以“转思想、转作风、转产业”为行动目标，以“大学习、大走访、大讨论”为载体。",
            "转思想、转作风、转产业",
        ),  # “三转”: three items, each with 转
        (
            "阳曲县的发展目标是什么？",
            "古老的阳曲将勇担时代使命，努力实现太忻经济区建设“一年见效、三年成形、五年成势、十年成城”。",
            "一年见效、三年成形、五年成势、十年成城",
        ),  # a goal is what is to be achieved (实现)
        (
            "What are the 1-, 3-, 5- and 10-year milestones for the zone?",
            "努力实现太忻经济区建设“一年见效、三年成形、五年成势、十年成城”。",
            "一年见效、三年成形、五年成势、十年成城",
        ),  # the question's numbers lead the items
        (
            "太忻经济区的建设目标是怎么定的？",
            "我们要按照‘顶层规划、上下协同’的工作思路和‘一年见效、三年成形、五年成势、十年成城’的发展目标，持续加大力度。",
            "一年见效、三年成形、五年成势、十年成城",
        ),  # "目标是怎么定的" asks what the goal is; the list is named a goal right after it
        (
            "尖草坪区有哪些高校？",
            "此外，还有中北大学、太原工业学院以及正在建设的国科大太原能源材料学院、科教",
            "中北大学、太原工业学院以及正在建设的国科大太原能源材料学院",
        ),  # 大学 and 学院 are kinds of 高校
        (
            "Which universities are located in Jiancaoping District?",
            "此外，还有中北大学、太原工业学院以及正在建设的国科大太原能源材料学院、科教",
            "中北大学、太原工业学院以及正在建设的国科大太原能源材料学院",
        ),  # the English category noun read as 高校
        (
            "Which companies will Wanbolin rely on for high-end equipment manufacturing?",
            "万柏林区将充分利用太重集团、中车、晋西集团、汾西重工等高端装备制造传统优势产业。",
            "太重集团、中车、晋西集团、汾西重工",
        ),  # half the items are named as companies (集团)
        (
            "How many existing office towers is Yingze pulling together to house corporate headquarters?",
            "实施“企业总部”倍增计划，整合中泰大厦、景峰国际等10座存量楼宇。",
            "10座存量楼宇",
        ),  # office towers: 楼宇 (english.yaml kinds)
        (
            "How many working teams has Jiancaoping set up?",
            "组建“征地拆迁、招商引资、要素保障、营商环境、服务企业”5支队伍。",
            "5支队伍",
        ),  # the counted noun is the one asked
        (
            "阳曲县推进这项工作由谁挂帅当组长？",
            "阳曲县委书记和县长任双组长，以“六个一”为工作抓手。",
            "阳曲县委书记和县长",
        ),  # who holds the role: the words before 任…组长, from the clause start
        (
            "阳曲为这事专门搞了领导小组，是县里哪两位一把手一起挂帅？",
            "阳曲县委书记和县长任双组长，以“六个一”为工作抓手。",
            "阳曲县委书记和县长",
        ),  # 挂帅 is to lead the group: the role asked by a verb
        (
            "In Yangqu, which two officials jointly head the zone work as co-leaders?",
            "阳曲县委书记和县长任双组长，以“六个一”为工作抓手。",
            "阳曲县委书记和县长",
        ),  # co-leaders: 双组长
        (
            "杨俊民讲的那个发展目标里，几年要“成形”？",
            "按照‘一年见效、三年成形、五年成势、十年成城’的发展目标推进。",
            "三年成形",
        ),  # the quoted words after 几年要
        (
            "迎泽想招来的企业总部，说的是哪两种“型”的？",
            "引进科研设计、信息咨询、数字经济等引导型、催化型企业总部，汇聚“高、精、特、新”型人才。",
            "引导型、催化型",
        ),  # a one-character kind, each item ending in it, in a list (等 ends the item before)
        (
            "古交上马那批交通、教育、卫生项目，图的是提升哪两样？",
            "谋划实施一批交通、市政、文化、教育、卫生等基础设施项目，不断提升城市的宜居度和人民群众的幸福感。",
            "城市的宜居度和人民群众的幸福感",
        ),  # the verb's whole object: two things, each of something (…的…)
        (
            "阳曲县领导帮企业服务，推行的是哪两项制度？",
            "推进“承诺制+标准地+代办制”改革，继续推行县领导服务企业坐班制和包联企业制，打响“太忻”品牌。",
            "县领导服务企业坐班制和包联企业制",
        ),  # 推行的是 asks what is 推行; each item is a 制(度)
        (
            "尖草坪那边有几家大的军工企业？",
            "辖区有太钢、二电厂以及江阳、兴安、新华三大军企。",
            "三大军企",
        ),  # 军企 short for 军工企业
        (
            "阳曲搞的那场大讨论，主题叫什么？",
            "继续深化“建设太忻经济区，阳曲争当排头兵”大讨论，营造浓厚的工作氛围。",
            "“建设太忻经济区，阳曲争当排头兵”大讨论",
        ),  # the quote printed right before the word the question names
        (
            "阳曲为了向上争取支持，专门成立了个什么组？",
            "协同上加强，成立专项工作组，积极向上沟通对接、争取支持。",
            "专项工作组",
        ),  # the one group named after the verb the question repeats
        (
            "尖草坪为了让企业顺利落户，专门拉了几路人马？",
            "组建“征地拆迁、招商引资、要素保障、营商环境、服务企业”5支队伍。",
            "5支队伍",
        ),  # 几路人马 is how people count teams (支队伍)
        ("阳曲抓太忻经济区建设，设了几个组长？", "阳曲县委书记和县长任双组长。", "双组长"),  # 双 counts two
        (
            "李卫平说要把省委、太原市委的战略部署体现在哪两个地方？",
            "切实把省委、太原市委战略部署体现到实际行动上、工作实效上，在全省全市发展大局中展现古交担当。",
            "实际行动上、工作实效上",
        ),  # the whole object of the question's verb (体现在 printed 体现到), as many as counted
        (
            "迎泽区力争建成国家级示范步行街，指的是哪条街的改造？",
            "继续高标准实施钟楼街片区二期修缮保护、三期地铁TOD项目，力争建成国家级示范步行街。",
            "钟楼街",
        ),  # the one street named there that the question does not name itself
        (
            "古交那个让干部改变观念和作风的行动，具体要改变哪三方面？",
            "古交市将大力开展以“转思想、转作风、转产业”为行动目标，以“大学习、大走访、大讨论”为载体。",
            "转思想、转作风、转产业",
        ),  # two lists of three: the question prints a word of one (作风)
        (
            "万柏林区要构建新业态的是哪个商圈？",
            "万柏林区将提升长风商务区商圈地位，构建漪汾商圈新业态，启动高铁交通枢纽商务区商圈建设。",
            "漪汾商圈",
        ),  # three 商圈 named: the one among the question's other words (构建…新业态)
        ("李慧讲话里说太原要践行几个“走在前列”？", "是太原践行‘四个走在前列’的头号工程。", "四个走在前列"),
        (
            "古交“三转三定”大行动以什么作为载体？",
            "以“转思想、转作风、转产业”为行动目标，以“大学习、大走访、大讨论”为载体。",
            "大学习、大走访、大讨论",
        ),  # 以“…”为载体: the quoted words are the 载体
        (
            "迎泽区为发展生产性服务业，要高标准推进哪些重大项目？",
            "高标准推进国家火炬计划迎泽特色产业基地二期和珈宝广场等重大项目建设，发展科技研发、智能制造和生命健康等生产性服务业。",
            "国家火炬计划迎泽特色产业基地二期和珈宝广场",
        ),  # two things joined by 和 and called 重大项目 after 等; the 、-list is of 服务业
        (
            "迎泽区想把哪类公司的总部招到自己这里来？",
            "引进科研设计、信息咨询、数字经济等引导型、催化型企业总部，汇聚“高、精、特、新”型人才。",
            "科研设计、信息咨询、数字经济",
        ),  # 哪类公司: a list called 企业 in the clause after it
        (
            "尖草坪区细化工作任务时要制定哪三样东西？",
            "按照“精准谋划、梳理土地、招商引资”工作“三部曲”，全面细化工作任务，制定路线图、任务书、时间表，倒排工期。",
            "路线图、任务书、时间表",
        ),  # two lists of three: the one after the question's verb (制定)
        (
            "杏花岭区在哪些方面已经有很好的基础？",
            "特别是在产业发展、城市建设、公共服务等方面都有很好的基础。",
            "产业发展、城市建设、公共服务",
        ),  # 哪些方面 answered by a list of 方面
        (
            "古交眼下正在熬哪几个难关时期？",
            "也正在经历转型阵痛期、改革瓶颈期、发展攻坚期。",
            "转型阵痛期、改革瓶颈期、发展攻坚期",
        ),
        (
            "杏花岭区最近开了哪两个会？",
            "日前，杏花岭区召开太忻经济区(太原片区)杏花岭区建设动员大会、首批重点项目推进会，迅速落实。",
            "太忻经济区(太原片区)杏花岭区建设动员大会、首批重点项目推进会",
        ),  # two asked, two printed, each a 会; 建设 after a place is part of the name, and so is the
        # bracketed aside; 召开 is the district acting
        (
            "杏花岭区开动员会，是为了尽快落实哪两个会议的精神？",
            "杏花岭区召开建设动员大会、首批重点项目推进会，迅速落实太忻经济区(太原片区)建设启动大会、市委经济工作务虚会精神。",
            "太忻经济区(太原片区)建设启动大会、市委经济工作务虚会",
        ),  # the list the question's verb (落实) introduces; a verb before 大会 names the meeting
        (
            "李文权接受采访之前，杏花岭区刚开过哪两个会？",
            "日前，杏花岭区召开太忻经济区(太原片区)杏花岭区建设动员大会、首批重点项目推进会，迅速落实太忻经济区"
            "(太原片区)建设启动大会、市委经济工作务虚会会议精神，全面拉开太忻经济区建设大幕。",
            "太忻经济区(太原片区)杏花岭区建设动员大会、首批重点项目推进会",
        ),  # 开过 is 开, printed in 召开; the other list of meetings is 落实's
        (
            "杏花岭要紧紧盯住的三大支撑是啥？",
            "紧盯现代服务业这个“主攻方向”，紧盯产业、城市、要素“三大支撑”，优化服务业发展空间布局。",
            "产业、城市、要素",
        ),  # the list the sentence calls so
        (
            "迎泽区准备把多少栋现成的写字楼整合起来？",
            "整合中泰大厦、景峰国际等10座存量楼宇。",
            "10座存量楼宇",
        ),  # 栋 or 座
        (
            "尖草坪辖区里那三家军工企业分别叫什么？",
            "辖区有太钢、二电厂以及江阳、兴安、新华三大军企。",
            "江阳、兴安、新华",
        ),
        ("古交在修复生态时打算顺带搞些什么项目？", "在生态修复过程中植入文旅、康养等项目。", "文旅、康养"),
        (
            "Jiancaoping hosts three military enterprises — which ones?",
            "辖区有太钢、二电厂以及江阳、兴安、新华三大军企，工业基础雄厚。",
            "江阳、兴安、新华",
        ),  # "ones" stands for the noun named before it; 三大军企 counts the last three
        (
            "迎泽打算跟忻州那边哪几个有名的景点搞联动？",
            "推进项目，与五台山、忻州古城、雁门关等景区景点联动，延展形成文旅休闲目的地。",
            "五台山、忻州古城、雁门关",
        ),  # 有名的 describes the 景点 asked for
        (
            "万柏林全面发力用的那个带数字的模式，叫什么？",
            "万柏林区将以“1+3+3”模式全面发力太忻经济区建设。",
            "“1+3+3”模式",
        ),
        (
            "裴耀军说阳曲全县的头号工程是建哪个启动区？",
            "坚决把率先推动大盂启动区建设作为全县头号工程。",
            "大盂启动区",
        ),  # one 启动区 named, in a clause that prints the question's words
        (
            "According to the photo caption, where has the outlet mall been set up?",
            "奥特莱斯落户三给片区。",
            "三给片区",
        ),
        (
            "古交为了让老百姓住着更舒心，打算上马哪些方面的基础设施？",
            "谋划实施一批交通、市政、文化、教育、卫生等基础设施项目，不断提升城市的宜居度。",
            "交通、市政、文化、教育、卫生",
        ),  # the aspects of the thing asked, listed before it
        (
            "迎泽区搞文旅休闲，靠的是本地哪几样家底？",
            "依托府城文化、地标双塔和生态东山，挖掘多元内涵，重点实施“府城游”升级版、董家庄森林谷等项目。",
            "府城文化、地标双塔和生态东山",
        ),  # 靠 over 依托: what it relies on
        (
            "李文权说杏花岭区是太忻经济区建设的什么？",
            "杏花岭区具有重要的战略位置，是太忻经济区建设的重要战场，特别是在产业发展等方面都有很好的基础。",
            "重要战场",
        ),  # nothing after 什么: what is printed after the question's words, to the clause end
        (
            "迎泽区要以产业链集聚来提升哪个商圈？",
            "以产业链集聚提升朝阳商圈，推进双塔汇、东辰时代奥特莱斯等项目。",
            "朝阳商圈",
        ),  # a two-character anchor is a guess; the 商圈 named among the question's words is sure
        (
            "万柏林区要持续加大哪两方面的力度？",
            "持续加大项目谋划储备和招商引资力度，加快实施一批带动性、引领性强，可尽快落地的大项目、好项目。",
            "项目谋划储备和招商引资",
        ),  # where 哪两 stands, between the question's words; two things, as asked
        (
            "古交要立足哪几方面的条件来提升影响力？",
            "我们将立足资源禀赋、区位优势、产业基础，努力提升在太原乃至山西中部城市群发展中的影响力。",
            "资源禀赋、区位优势、产业基础",
        ),  # the question's verb introduces the list, which is its whole object
        (
            "古交市要发展哪些项目？",
            "四是谋划实施一批交通、市政、文化、教育、卫生等基础设施项目，不断提升城市的宜居度。",
            "交通、市政、文化、教育、卫生",
        ),  # 一批 counts the items, it is none of them
        (
            "迎泽特色产业基地要推进第几期？",
            "高标准推进国家火炬计划迎泽特色产业基地二期和珈宝广场等重大项目建设。",
            "二期",
        ),
        ("杨俊民提到的是省第几次党代会？", "认真贯彻落实省第十二次党代会精神。", "第十二次党代会"),
        ("要以优异成绩迎接党的第几次代表大会召开？", "以优异成绩迎接党的二十大胜利召开。", "二十大"),
        (
            "迎泽区五大融合载体里排第一个的是啥？",
            "五大融合载体中的首个载体便是生产性服务业核心区。",
            "生产性服务业核心区",
        ),
        (
            "迎泽区想借哪条银行券商扎堆的大街来做金融文章？",
            "再引进一批银行、保险、证券企业总部，持续放大迎泽大街金融机构集聚优势。",
            "迎泽大街",
        ),  # the noun 哪条 asks for comes after what describes it
        (
            "李卫平希望提升古交在哪个城市群发展中的影响力？",
            "努力提升在太原乃至山西中部城市群发展中的影响力，实现古交全方位高质量发展。",
            "太原乃至山西中部城市群",
        ),  # the question names its subject where the sentence does not; the kind word is the answer's
        (
            "万柏林说力争在多长时间内完成起步阶段那300亿元投资？",
            "按照‘一年见效、三年成形’的目标，力争起步第一步一年完成300亿元投资，为‘一年见效’贡献力量。",
            "一年",
        ),  # a length of time, not the quoted goals, not the amount the question names
        (
            "裴耀军说阳曲的“格局之要”是什么？",
            "裴耀军说，盆地高山、黄金维度，是阳曲的格局之要，城乡精致。",
            "盆地高山、黄金维度",
        ),
        (
            "李文权表示，杏花岭区要牢牢把握市委给出的哪个定位？",
            "杏花岭区将牢牢把握市委打造现代服务产业集群定位，紧盯主攻方向。",
            "现代服务产业集群定位",
        ),  # a longer name, introduced by its verb
        (
            "古交要健全的闭环推进工作机制，讲的是哪两个“一体”？",
            "全力以赴做好基础设施建设、要素保障、项目落地等工作，进一步健全完善党政一体、考核督查一体的闭环推进工作机制。",
            "党政一体、考核督查一体",
        ),  # the quoted kind ends each item; 健全完善 introduces the first
        (
            "双塔汇这个项目是为了提升哪个商圈？",
            "以产业链集聚提升朝阳商圈，推进双塔汇、东辰时代奥特莱斯等项目。",
            "朝阳商圈",
        ),  # between the question's verb and the asked kind
        (
            "三转三定定的是啥？",
            "以“大学习、大走访、大讨论”为载体，以“定目标和标准体系、定任务和举措体系、定政策和制度体系”为成果体现。",
            "定目标和标准体系、定任务和举措体系、定政策和制度体系",
        ),  # the one list whose items all open with the character asked about
        (
            "观家峪要建个啥？",
            "重点实施“府城游”升级版、董家庄森林谷、观家峪桃花源特色小镇、张家口森林公园等项目。",
            "观家峪桃花源特色小镇",
        ),  # the one item named after the place the question names
        ("尖草坪的奥莱落在哪？", "奥特莱斯落户三给片区。", "三给片区"),  # 奥莱: 奥特莱斯 cut short
        (
            "迎泽那五大载体里的“集聚区”，全名叫啥？",
            "持续放大迎泽大街金融机构集聚优势，加快构建占地约3平方公里的金融核心集聚区。",
            "金融核心集聚区",
        ),  # a name question asking the full name
        (
            "杏花岭那个项目推进会推的是第几批重点项目？",
            "日前，杏花岭区召开建设动员大会、首批重点项目推进会，迅速落实。",
            "首批",
        ),  # 首 is the first
        (
            "古交列的那几条产业打算里，讲风电、储能的是第几条？",
            "二是加快布局新能源新材料项目，重点谋划实施风电、农光互补、储能、煤层气开发利用项目。",
            "二是",
        ),  # the numbered point that says it; 那几条 is no second count asked
        (
            "阳曲在太忻经济区里给自己的定位是什么？",
            "阳曲县委书记裴耀军接受本报记者专访时表示：“阳曲作为太忻经济区的核心区、主战场，将以‘尖刀班、排头兵’的姿态。",
            "核心区、主战场",
        ),  # what the subject stands as, in the whole the question names
        (
            "迎泽区要汇聚什么样的人才？",
            "引进科研设计、信息咨询、数字经济等引导型、催化型企业总部，汇聚“高、精、特、新”型人才，全力打造人才高地。",
            "高、精、特、新",
        ),  # the quoted words that make the asked noun what it is
        (
            "迎泽区想把哪一片老街整修一番？",
            "以文旅商融合理念推动传统商圈改造，继续高标准实施钟楼街片区二期修缮保护、三期地铁TOD项目。",
            "钟楼街片区",
        ),  # 哪一片 asks for one 片区, not the list it stands in
        (
            "阳曲推进的营商环境改革包括哪几项制度？",
            "优化营商环境，推进“承诺制+标准地+代办制”改革，提升涉企服务质量效率，继续推行县领导服务企业坐班制。",
            "承诺制+标准地+代办制",
        ),  # the quoted list named by the word after it, the word the question says it includes
        (
            "卢俊峰要求尖草坪区、中北高新区在思想和工作上做到哪几点？",
            "尖草坪区、中北高新区要坚定信心、解放思想、改革创新、精准施策，以一域之努力为太忻经济区建设贡献力量。",
            "坚定信心、解放思想、改革创新、精准施策",
        ),  # what the subject the question names is to do
        (
            "古交要改造的传统产业是哪几样？",
            "一是加快煤电热材等传统优势产业的“三化”提升改造。",
            "煤电热材",
        ),  # the things before 等 and the asked noun (传统…产业)
        ("古交对煤电热材这些老产业要搞几“化”提升？", "一是加快煤电热材等传统优势产业的“三化”提升改造。", "三化"),
        (
            "万柏林说几年就要见效？",
            "按照‘一年见效、三年成形、五年成势、十年成城’的发展目标，持续加大项目谋划储备力度。",
            "一年见效",
        ),  # 就要 between the count and the words it counts
        (
            "杏花岭区跟建设动员大会一起开的，还有一个什么会？",
            "日前，杏花岭区召开太忻经济区(太原片区)杏花岭区建设动员大会、首批重点项目推进会，迅速落实。",
            "首批重点项目推进会",
        ),  # the other item of the list, the one the question names left out
        (
            "古交除了风电，还要搞哪些新能源项目？",
            "二是加快布局新能源新材料项目，重点谋划实施风电、农光互补、储能、煤层气开发利用项目，培植绿色低碳综合能源服务商。",
            "农光互补、储能、煤层气开发利用项目",
        ),
        (
            "卢俊峰说要高起点、高标准，还有一个“高”是啥？",
            "抢抓发展机遇，加强统筹协调，高起点、高标准、高水平，推动太忻经济区建设各项工作落到实处。",
            "高水平",
        ),
        ("阳曲除了承诺制和标准地，还推什么制？", "推进“承诺制+标准地+代办制”改革，提升涉企服务质量效率。", "代办制"),
        (
            "古交那个大行动的名称里，一共要“转”几项、“定”几项？",
            "这是一项全局性工作，要开展“三转三定”大行动。",
            "三转三定",
        ),  # each count printed before its quoted word; 一项 counts neither
    ],
)
def test_direct_answer_is_the_page_own_words(question, sentence, expected):
    span = find_span(question, sentence)
    assert span is not None and span.text == expected
    assert sentence[span.start : span.start + len(span.text)] == expected
    assert span.fit >= 0.85


@pytest.mark.parametrize(
    "question, sentence",
    [
        (
            "杏花岭区要培育壮大几个商圈？",
            "形成“一个核心、一体两翼、多方协同”的发展格局。",
        ),  # 一个核心 is not a count of 商圈
        ("万柏林区第一年计划完成多少投资？", "整合中泰大厦、景峰国际等10座存量楼宇。"),  # 10座 is not money
        ("迎泽区规划的金融核心集聚区占地多少？", "力争起步第一步一年完成300亿元投资。"),  # money is not an area
        ("太原哪个城区跟北边的邻市挨得最近？", "杏花岭区作为太原中心城区，具有重要的战略位置。"),  # 2-char anchor only
        ("古交“三化”具体指什么？", "以“转思想、转作风、转产业”为行动目标。"),  # the items do not hold 化
        ("What are the 1- and 3-year steps?", "做到“一年见效、三年成形、五年成势、十年成城”。"),  # 2 numbers, 4 items
        ("阳曲要做好哪个启动区建设？", "以“一个总体规划”“一个启动区建设”“一批项目落地”为抓手。"),  # a count, not a name
        (
            "How many military enterprises are in Jiancaoping?",
            "组建“征地拆迁、招商引资”5支队伍。",
        ),  # 队伍 are not 企业
        (
            "Which universities are located in Jiancaoping District?",
            "辖区有太钢、二电厂以及江阳、兴安、新华三大军企，工业基础雄厚。",
        ),  # factories, not universities
        (
            "Which scenic spots does Yingze want to link its tourism with?",
            "发展科技研发、智能制造和生命健康等生产性服务业。",
        ),  # a list, but of industries
        ("尖草坪区有哪些高校？", "辖区有太钢、二电厂以及江阳、兴安、新华三大军企。"),  # no item is a 大学 or 学院
        ("由谁担任组长？", "成立专项工作组，积极向上沟通对接、争取支持。"),  # a 工作组 is not a 组长's holder
        ("杏花岭区要打造的两大板块具体是哪两个？", "在全市一体化建设框架中承上启下、联络内外的枢纽位置。"),  # any pair
        (
            "Apart from the three military enterprises, which big companies are located in Jiancaoping?",
            "组建“征地拆迁、招商引资、要素保障、营商环境、服务企业”5支队伍。",
        ),  # the list says it is 5支队伍, whatever its last item ends in
        ("迎泽区为发展生产性服务业，要高标准推进哪些重大项目？", "发展科技研发、智能制造和生命健康等生产性服务业。"),
        ("万柏林区有哪个商圈？", "万柏林区将提升长风商务区商圈地位，构建漪汾商圈新业态。"),  # two, nothing tells which
        ("杏花岭区开了哪两个会？", "召开动员大会、推进会议和座谈会。"),  # not each a 会
        # two named, three asked
        ("万柏林区的三大商圈是哪三个？", "万柏林区将提升长风商务区商圈地位，构建漪汾商圈新业态。"),
        (
            "杏花岭区说要「紧盯」的是哪三样？",
            "杏花岭区将紧盯现代服务业产业集群发展这个“主攻方向”，紧盯人才“第一资源”，优化空间布局。",
        ),  # two clauses open with it, three asked
        (
            "裴耀军用哪几个“之”来概括阳曲？",
            "盆地高山、黄金维度，是阳曲的格局之要，太忻之关、南北通衢是阳曲的区位之雄，城乡精致是阳曲的宜居之境。",
        ),  # 之 stands inside the words (格局之要), it ends none of them
        (
            "阳曲的工作氛围叫什么？",
            "继续深化“建设太忻经济区，阳曲争当排头兵”大讨论，营造浓厚的工作氛围。",
        ),  # no quote before 氛围
        ("尖草坪有几家大学？", "辖区有太钢、二电厂以及江阳、兴安、新华三大军企。"),  # 军企 is no short form of 大学
        (
            "古交要展现哪两样？",
            "切实把战略部署体现到实际行动上、工作实效上，在全省全市发展大局中展现古交担当、作出古交贡献。",
        ),  # two things after 展现, but not said alike: an object, then another verb phrase
        ("迎泽区要修缮哪条街？", "继续实施钟楼街片区二期修缮保护，力争建成国家级示范步行街。"),  # two streets
        ("阳曲县的领导小组由谁挂帅？", "成立专项工作组，积极向上沟通对接、争取支持。"),  # no one is given the role
        (
            "古交的大行动具体要改变哪三方面？",
            "古交市将大力开展以“转思想、转作风、转产业”为行动目标，以“大学习、大走访、大讨论”为载体。",
        ),  # nothing but the count, and two lists of three
        (
            "尖草坪说先得把方向、头绪和重点弄清楚，是哪三句？",
            "进一步明确发展思路、理清工作脉络、抓住工作重点，以“慢不得、等不得、坐不得”的干劲推进。",
        ),  # the list named by the question is cut inside its first item (思路): not bold
        (
            "杏花岭区是太忻经济区建设的什么？",
            "是太忻经济区建设的重要力量和主要承载地之一。",
        ),  # too long for a name
        (
            "卢俊峰要求尖草坪区在思想和工作上做到哪几点？",
            "近日，副市长、尖草坪区委书记、中北高新区党委书记卢俊峰在接受本报记者专访时表示。",
        ),  # a speaker's posts are no list of points
        (
            "万柏林区说要牢固树立什么样的项目导向？",
            "牢固树立大抓项目、抓大项目的鲜明导向，在太忻经济区建设中干在先。",
        ),  # '大抓' is cut out of a list item
        (
            "迎泽区要以产业链集聚来提升哪个商圈？",
            "以文旅商融合理念推动传统商圈改造。",
        ),  # the only 商圈, away from the question's words
        (
            "万柏林区要持续加大哪三方面的力度？",
            "持续加大项目谋划储备和招商引资力度，加快实施一批项目。",
        ),  # two, not three
        (
            "古交要立足哪几方面的条件？",
            "我们将立足资源禀赋、区位优势、产业基础的转型要求。",
        ),  # not the verb's whole object
        ("万柏林区要发展哪三大商圈？", "提升长风商务区商圈地位，构建漪汾商圈新业态。"),  # two named, three asked
        ("杨俊民提到的是省第几次党代会？", "以优异成绩迎接党的二十大胜利召开。"),  # 党的…大 only for 党的第几次代表大会
        (
            "迎泽区要改造提升哪些商圈？",
            "推进双塔汇、东辰时代奥特莱斯等项目，建成集电子商务、仓储研发、公共服务为一体的“智慧商圈”。",
        ),  # what one 商圈 brings together are not 商圈s
        # found by asking every district "要发展/推进/打造哪些X？" and reading the bold answers:
        ("尖草坪区要推进哪些重大项目？", "实行项目化管理、清单式推进，做到主动对接。"),  # 项目 inside an item
        ("杏花岭区要打造哪几个产业集群？", "紧盯产业、城市、要素“三大支撑”，优化服务业发展空间布局。"),
        ("古交市要成立哪些工作组？", "全力以赴做好基础设施建设、要素保障、项目落地等工作。"),  # 等工作: no 工作组
        ("尖草坪区要发展哪些商圈？", "进一步明确发展思路、理清工作脉络、抓住工作重点，形成工作流程。"),  # 发展思路
        (
            "三转三定，定的是啥？",
            "以“定目标、定任务”为抓手，以“定政策、定制度”为保障。",
        ),  # two lists open with 定: not certain which
        (
            "钟楼街片区改造最后想建成什么？",
            "推动传统商圈改造，继续实施钟楼街片区二期修缮保护、三期地铁TOD项目，力争建成国家级示范步行街。",
        ),  # the item the question starts from is not what it asks (its other words stand around it)
        (
            "迎泽区除了董家庄森林谷，还要建什么？",
            "重点实施“府城游”升级版、董家庄森林谷、观家峪桃花源特色小镇、张家口森林公园等项目。",
        ),  # the list's first item is cut at its quote: the others are not all there
        (
            "迎泽那五大载体里的“集聚区”，全名叫啥？",
            "做强“核心区、承载区、集聚区、引领区、休闲区”五大融合载体，突出特色、精准对接。",
        ),  # the quote holds the asked name short, and 五大 counts: no title, no full name here
        ("古交市要完善哪些机制？", "健全完善党政一体、考核督查一体的闭环推进工作机制。"),  # one 机制, described
        ("迎泽区的面积有多大？", "加快构建占地约3平方公里的金融核心集聚区。"),  # the 集聚区's area, not the district's
        # found in a blind batch (batch 10): the question's own amount, one count for two, the wrong verb's list
        ("万柏林说力争在多长时间内完成那300亿元投资？", "力争起步第一年完成300亿元投资。"),  # 第一年 is an ordinal
        ("万柏林区要用多长时间完成片区建设？", "力争起步第一步一年完成300亿元投资。"),  # 完成 alone: not what is done
        ("万柏林区那300亿元投资要多少钱？", "力争一年完成300亿元投资。"),  # the amount the question names
        # one count printed for two asked; 一项 counts neither
        ("古交那个大行动的名称里，一共要“转”几项、“定”几项？", "这是一项全局性工作，要开展“三定”大行动。"),
        ("阳曲有什么？", "裴耀军说，盆地高山、黄金维度，是阳曲的格局之要。"),  # no subject of 是 is asked
        (
            "杏花岭区开动员会，是为了尽快落实哪两个会议的精神？",
            "杏花岭区召开建设动员大会、首批重点项目推进会，迅速落实市委部署、省委要求。",
        ),  # the question's verb (落实) introduces the other list: the meetings held are not the answer
        (
            "杏花岭要紧紧盯住的三大支撑是啥？",
            "在太原市“一个核心、一体两翼、多方协同”的总体布局中。",
        ),  # three, not so called
        ("迎泽区要打造哪个载体？", "五大融合载体中的首个载体便是生产性服务业核心区。"),  # a count of them names none
        ("迎泽区把握的是什么思路？", "积极贯彻落实市委“六个一”工作思路和“13510”时间节点要求。"),  # 工作 is no name
        (
            "迎泽区要打造哪个载体？",
            "做强“核心区、承载区、集聚区、引领区、休闲区”五大融合载体。",
        ),  # one asked, five listed
    ],
)
def test_no_span_of_the_wrong_kind(question, sentence):
    """Each of these sentences holds something of the asked shape, but not the answer."""
    span = find_span(question, sentence)
    assert span is None or span.fit < 0.85


def test_things_of_the_asked_kind_named_one_by_one_are_listed_in_the_page_words():
    sentence = (
        "杨俊民说，太忻经济区建设是忠诚践行习近平总书记殷殷嘱托的必要之举，是主动融入国家重大战略的关键之举，"
        "是落实省委“一群两区三圈”新布局的战略之举，是提升太原首位度和影响力的重大历史机遇。"
    )
    span = find_span("杨俊民把太忻经济区建设说成是哪几个“之举”？", sentence)
    assert span is not None and span.text == "必要之举、关键之举、战略之举" and span.fit >= 0.85
    assert all(item in sentence for item in span.text.split("、"))
    districts = (
        "聚焦“三大商圈”提升发展，万柏林区将提升长风商务区商圈地位，构建漪汾商圈新业态，启动高铁交通枢纽商务区商圈建设。"
    )
    english = find_span("Which three business districts is Wanbolin planning to develop?", districts)
    assert english is not None and english.text == "长风商务区商圈、漪汾商圈、高铁交通枢纽商务区商圈"
    # the counted noun before the wh-word ("三大商圈分别是哪三个？") names each item
    counted = find_span("万柏林区要提升发展的三大商圈分别是哪三个？", districts)
    assert counted is not None and counted.text == english.text and counted.fit >= 0.85
    # "三大" counts them and is no item; four asked, three named: not certain
    four = find_span("Which four business districts is Wanbolin planning to develop?", districts)
    assert four is None or four.fit < 0.85
    # one clause of a long sentence names as many as asked, joined by 与: printed as it stands
    long = (
        "紧盯现代服务业产业集群发展这个“主攻方向”，优化服务业发展空间布局，"
        "不断推动生产性服务业与生活性服务业协同发展，持续发展战略性新兴产业。"
    )
    pair = find_span("杏花岭区要推动哪两种服务业协同发展？", long)
    assert pair is not None and pair.text == "生产性服务业与生活性服务业" and pair.fit >= 0.85
    three = find_span("杏花岭区要推动哪三种服务业协同发展？", long)
    assert three is None or three.fit < 0.85


def test_what_kind_of_thing_is_answered_by_how_the_sentence_describes_it():
    chance = (
        "当前古交发展正处在十分关键的阶段，既面临大有可为的重要战略机遇，也面临多重竞争的严峻挑战；既孕育新的发展动能。"
    )
    span = find_span("李卫平说古交眼下同时面对着什么样的机遇和挑战？", chance)
    assert span is not None and span.text == "大有可为的重要战略机遇；多重竞争的严峻挑战" and span.fit >= 0.85
    point = "制定出台人才引进、科技创新、资金奖补等政策，打造特色鲜明、错位发展、专业化的现代服务业支撑点。"
    described = find_span("迎泽区想把现代服务业做成什么样的支撑点？", point)
    assert described is not None and described.text == "特色鲜明、错位发展、专业化的现代服务业支撑点"
    # the noun inside a longer word ('阳曲的格局之要'), described by the question's own words: nothing
    layout = "裴耀军说，盆地高山、黄金维度，是阳曲的格局之要，太忻之关、南北通衢是阳曲的区位之雄。"
    none = find_span("阳曲县要构建什么样的格局？", layout)
    assert none is None or none.fit < 0.85
    own = find_span("阳曲的什么样的格局？", "这是阳曲的格局。")
    assert own is None or own.fit < 0.85


def test_a_kind_of_one_character_is_named_by_the_one_quoted_name_ending_in_it():
    span = find_span("迎泽区文旅方面要搞一个“升级版”，升级的是哪个游？", "重点实施“府城游”升级版、董家庄森林谷等项目。")
    assert span is not None and span.text == "府城游" and span.fit >= 0.85
    two = find_span("升级的是哪个游？", "“府城游”和“东山游”都要升级。")
    assert two is None or two.fit < 0.85


def test_the_full_name_of_a_quoted_item_is_the_longer_name_the_page_gives_it():
    asked = "迎泽区五大载体里的那个“引领区”，完整的叫法是什么？"
    span = find_span(asked, "打造全省消费升级引领区，为区域消费提供优质供给。")
    assert span is not None and span.text == "全省消费升级引领区" and span.fit >= 0.85
    listed = find_span(asked, "做强“核心区、承载区、集聚区、引领区、休闲区”五大融合载体。")
    assert listed is None or listed.fit < 0.85  # the list the quoted item stands in is not its name


def test_items_closed_by_an_english_question_verb_and_when_it_comes_to_is_no_date():
    text = "氛围上加强，继续深化大讨论，营造浓厚的工作氛围。协同上加强，成立专项工作组。"
    assert led_items(text, ("加强",), count=2).text == "氛围上加强、协同上加强"
    assert led_items(text, ("加强",), count=3) is None
    # one verb whose object holds as many things as counted ("which two things will it raise?")
    assert led_items("全力提升太原首位度和影响力，贡献力量。", ("提升",), count=2).text == "太原首位度和影响力"
    assert led_items("全力提升太原首位度和影响力，贡献力量。", ("提升",), count=3) is None
    assert question_type("When it comes to rallying joint efforts, which two areas will it strengthen?") == "list"


def test_which_places_printing_a_quoted_term_are_read_from_the_whole_page():
    # only one of the two paragraphs that print “传统优势产业” was retrieved: the page is read
    top = [passage("li-weiping-p03", 2.0), passage("li-weiping-p02", 1.9)]
    page = [passage(pid, 0.0) for pid in PARAGRAPHS]
    ans = ask("哪两个地方把自家的老牌支柱产业称为“传统优势产业”？", top, page=page)
    assert set(ans.short.split("、")) == {"古交市", "万柏林区"}
    one = ask("哪个地方把老牌支柱产业称为“传统优势产业”？", top, page=page)
    assert one.short == ans.short  # one asked, two print it: both are named, as for 谁说…


def test_which_one_place_printing_a_term_most_interviews_quote_is_not_all_of_them():
    top = [passage(pid, 1.0) for pid in PARAGRAPHS if "太忻" in PARAGRAPHS[pid][1].text][:6]
    page = [passage(pid, 0.0) for pid in PARAGRAPHS]
    holders = {p.interview_id for p in page if "太忻" in p.text}  # the quoted word, inside 太忻经济区 too
    assert len(holders) > 3
    one = ask("哪个区提出要打响营商环境的“太忻”品牌？", top, page=page)
    assert one.short is None or "、" not in one.short.replace("尖草坪区、中北高新区", "")
    # a 县 is asked: the page has one, and the quoted words are among its own
    county = ask("哪个县提出要打响营商环境的“太忻”品牌？", top, page=page, place_kind=frozenset({"pei-yaojun"}))
    assert county.short == "阳曲县"
    assert county.text.startswith("**阳曲县**\n")  # a district answer is its own attribution
    several = ask("哪些区县提到了“太忻”？", top, page=page)
    assert several.text.split("\n")[0] == f"**{several.short}**"  # 尖草坪区、中北高新区 is one label


def test_a_quoted_start_of_one_list_item_asks_for_that_item():
    goals = "努力实现太忻经济区建设“一年见效、三年成形、五年成势、十年成城”。"
    span = find_span("阳曲说太忻经济区要“十年”干成什么样？", goals)
    assert span is not None and span.text == "十年成城" and span.fit >= 0.85
    two = find_span("要“三年”干成什么样？", "做到“一年见效、三年成形”，力争“三年成势、五年成城”。")
    assert two is None or two.fit < 0.85  # two items start with 三年: not certain which


def test_a_list_starts_after_who_is_to_act_and_an_english_count_can_make_it_certain():
    sentence = "尖草坪区、中北高新区要坚定信心、解放思想、改革创新、精准施策，以一域之努力为太忻经济区建设贡献力量。"
    english = "What four things did Lu Junfeng urge Jiancaoping and the Zhongbei hi-tech zone to do?"
    span = find_span(english, sentence)
    assert span is not None and span.text == "坚定信心、解放思想、改革创新、精准施策" and span.fit >= 0.85
    five = find_span(english.replace("four", "five"), sentence)
    assert five is None or five.fit < 0.85


@pytest.mark.parametrize(
    "question, sentence",
    [
        (
            "阳曲县讲抓落实，分别从哪四个“更”字入手？",
            "与全市相关县区、市级部门形成合作紧密、分工高效、共享共赢的工作格局。",
        ),  # four items, but none holds the quoted 更
        (
            "迎泽区拿什么本钱去吸引企业把总部放过来，说了哪些独特优势？",
            "再引进一批银行、保险、证券企业总部，持续放大迎泽大街金融机构集聚优势。",
        ),  # 企业 is in the question's verb phrase, not its noun: the list asked for is of 独特优势
    ],
)
def test_lists_that_only_look_like_the_answer(question, sentence):
    span = find_span(question, sentence)
    assert span is None or span.fit < 0.85


def test_a_list_question_with_two_wh_words_asks_by_the_one_that_lists():
    sentence = "发挥基础设施完善、教育资源优质、府城文化深厚等独特优势，引进科研设计等企业总部。"
    span = find_span("迎泽区拿什么本钱去吸引企业把总部放过来，说了哪些独特优势？", sentence)
    assert span is not None and span.text == "基础设施完善、教育资源优质、府城文化深厚" and span.fit >= 0.85


def test_a_quoted_name_after_the_question_words_is_the_answer_even_with_the_district_in_it():
    sentence = "在太忻经济区建设中干在先、走在前，勇担当、作贡献，全力跑出万柏林‘加速度’。"
    span = find_span("万柏林区说要在太忻经济区建设中全力跑出什么？", sentence)
    assert span is not None and span.text == "万柏林‘加速度’" and span.fit >= 0.85
    # the question's own words after the anchor are an echo, not an answer
    echo = find_span("要在太忻经济区建设中全力跑出什么？", "全力跑出太忻经济区建设速度。")
    assert echo is None or echo.fit < 0.85


def test_which_district_is_named_when_the_closest_sentence_agrees_with_a_narrow_passage_lead():
    # The best passages lead by less than the speaker margin, but the sentence closest to the
    # question is in the same interview, clearly ahead of the others: two measures agree.
    top = [passage("li-weiping-p05", 2.0), passage("li-hui-p06", 1.99)]
    agree = ask("哪个地方打算在治理被破坏的山体时顺带搞度假和养生？", top, close={"生态修复": 0.9})
    assert agree.short == "古交市"
    # The closest sentence is in the other interview: the measures disagree, no bold district.
    disagree = ask("哪个地方打算在治理被破坏的山体时顺带搞度假和养生？", top, close={"文旅": 0.9})
    assert disagree.short is None


def test_an_item_joined_by_its_conjunction_belongs_to_the_list_when_it_ends_like_the_others():
    sentence = "此外，还有中北大学、太原工业学院以及正在建设的国科大太原能源材料学院、科教"
    span = find_span("尖草坪区有哪些高校？", sentence)
    assert span is not None and span.text == "中北大学、太原工业学院以及正在建设的国科大太原能源材料学院"
    # 江阳 after 以及 starts a list of its own (and ends unlike 二电厂): no certain list of all five
    span = find_span("尖草坪区有哪些企业？", "辖区有太钢、二电厂以及江阳、兴安、新华三大军企，工业基础雄厚。")
    assert span is None or span.fit < 0.85


def test_who_said_words_printed_by_two_speakers_names_both():
    # "提升太原首位度和影响力" is printed in 李文权's and in 杨俊民's interview.
    ans = ask("谁谈到了提升太原首位度和影响力？", [passage("li-wenquan-p01", 2.0), passage("yang-junmin-p03", 2.0)])
    assert ans.short == "李文权、杨俊民"
    assert {s.passage.interview_id for s in ans.sentences} == {"li-wenquan", "yang-junmin"}


def test_a_question_about_one_named_interview_without_that_number_is_told_what_is_missing():
    gujiao = {"古交": frozenset({"li-weiping"})}
    ans = ask("古交第一年计划完成多少投资？", [passage("li-weiping-p02", 2.0)], entities=gujiao)
    assert ans.missing == "版面没有给出古交市的投资额" and ans.short is None
    wanbolin = {"万柏林区": frozenset({"yang-junmin"})}
    ans = ask(
        "万柏林区第一年计划完成多少投资？", [passage("yang-junmin-p08", 2.0)], close={"300亿元": 0.9}, entities=wanbolin
    )
    assert ans.missing is None and ans.short == "300亿元"


def test_a_count_asked_on_its_own_is_called_missing_only_when_the_thing_counted_is_never_printed():
    gujiao = {"古交": frozenset({"li-weiping"})}
    ans = ask("古交有几个商圈？", [passage("li-weiping-p02", 2.0)], entities=gujiao)
    assert ans.missing == "版面没有给出古交市的商圈数量"
    yangqu = {"阳曲": frozenset({"pei-yaojun"})}
    ans = ask("阳曲抓太忻经济区建设，设了几个组长？", [passage("pei-yaojun-p04", 2.0)], entities=yangqu)
    assert ans.missing is None  # 双组长 counts them in a way no 几 reads
    ans = ask("李卫平讲古交的产业和项目打算，一共列了几条？", [passage("li-weiping-p02", 2.0)], entities=gujiao)
    assert ans.missing is None  # 一是…四是
    wanbailin = {"万柏林": frozenset({"yang-junmin"})}
    ans = ask("万柏林说几年就要见效？", [passage("yang-junmin-p08", 2.0)], entities=wanbailin)
    assert ans.missing is None  # a count of years asks how soon: 一年见效


def test_a_caption_is_quoted_when_it_ranks_first_and_holds_the_answer():
    # A caption has no sentence vectors of its own; it competes by its rank and its words.
    caption = passage("lu-junfeng-p01", 2.0)
    assert caption.kind == "caption"
    ans = ask("版面上提到的奥特莱斯项目都在哪儿？", [caption, passage("li-hui-p05", 1.95)], close={"奥特莱斯等": 0.9})
    assert ans.sentences[0].passage.id == "lu-junfeng-p01" and ans.short == "三给片区"


def test_which_places_all_mention_a_topic_are_the_interviews_printing_it_in_a_paragraph():
    # 商圈 is printed in 迎泽, 杏花岭 and 万柏林 interviews only; 建设 in all six (it says nothing about who).
    page = [passage(pid, 0.0) for pid in PARAGRAPHS]
    top = [passage("yang-junmin-p07", 2.0), passage("li-hui-p05", 1.97), passage("li-wenquan-p02", 1.9)]
    words = ("区县", "谈到", "商圈", "建设")  # as the word segmenter cuts the question
    ans = ask("哪些区县都谈到了商圈建设？", top, tokens=words, page=page)
    assert set(ans.short.split("、")) == {"迎泽区", "杏花岭区", "万柏林区"}
    # One of them not retrieved: the words are printed or not, every paragraph is read
    assert set(ask("哪些区县都谈到了商圈建设？", top[:2], tokens=words, page=page).short.split("、")) == {
        "迎泽区",
        "杏花岭区",
        "万柏林区",
    }
    # a word that frames the question (讲话) names no topic: 习近平 alone is printed by two interviews
    talk = ask("哪几位书记讲话里提到了习近平？", top[:1], tokens=("书记", "讲话", "习近平"), page=page)
    assert set(talk.short.split("、")) == {"杨俊民", "李卫平"}
    # a word of the question's own (顺带, printed nowhere) does not hide the topic word that says who;
    # a paraphrase of more words of its own than topic words does
    aside = ask("哪些区县顺带谈到了商圈？", top, tokens=("区县", "顺带", "谈到", "商圈"), page=page)
    assert set(aside.short.split("、")) == {"迎泽区", "杏花岭区", "万柏林区"}
    loose = ask("哪些区县顺带捎带谈到了商圈？", top, tokens=("区县", "顺带", "捎带", "谈到", "商圈"), page=page)
    assert loose.short is None
    # what the page prints counts a caption as its interview's: 奥特莱斯 is in 李慧's words and in a
    # picture caption of 卢俊峰's interview
    mall = ("版面", "奥特莱斯", "两篇", "分别", "两个", "区")
    outlets = [passage("lu-junfeng-p01", 2.0), passage("li-hui-p05", 1.9)]
    both = ask("版面上提到奥特莱斯的有两篇，分别是哪两个区的？", outlets, tokens=mall, page=page)
    assert set(both.short.split("、")) >= {"尖草坪区", "迎泽区"}
    said = ask("哪几位书记提到了奥特莱斯？", outlets, tokens=("书记", "奥特莱斯"), page=page)
    assert said.short is None  # the speakers' own words: only 李慧 says it


def test_english_list_question_gets_no_direct_answer_from_a_list_it_cannot_read():
    # "Which industrial clusters…?" over a sentence that lists companies: the English words cannot
    # be matched against the list's context, so no bold answer (the sentence is still quoted).
    ans = ask_english("Which industrial clusters will Wanbolin build?", "yang-junmin-p05")
    assert ans.short is None and "太重集团、中车、晋西集团、汾西重工" in ans.text


def test_whose_is_answered_by_the_owner_printed_before_the_page_word():
    # "strong leadership" is 坚强领导 (english.yaml kinds): the owner stands before 的
    ans = ask_english("Under whose strong leadership will Wanbolin push ahead?", "yang-junmin-p01")
    assert ans.short == "市委"
    ans = ask_english("Whose earnest instructions does the zone put into practice?", "yang-junmin-p03")
    assert ans.short == "习近平总书记"
    # describing words stand between the owner and a short page word: only 的 says where it ends
    assert find_span_with("Whose instructions?", "忠诚践行习近平总书记殷殷嘱托的必要之举。", None, ("嘱托",)) is None
    found = find_span_with("Under whose leadership?", "在省委、太原市委的坚强领导下，一张蓝图绘到底。", None, ("领导",))
    assert found is not None and found.text == "省委、太原市委"


def test_an_english_how_many_reads_the_count_printed_with_the_kind_and_what_amount_asks_a_number():
    sentence = "优化服务业发展空间布局，培育壮大“五大商圈”，打造“两大板块”。"
    found = find_span_with("How many major business districts will it cultivate?", sentence, None, ("商圈",))
    assert found is not None and found.text == "五大商圈"
    assert find_span_with("How many parks will it build?", sentence, None, ("园区",)) is None
    assert question_type("What amount of investment is Wanbolin aiming to complete?") == "number"


def test_a_list_known_only_by_its_count_is_read_where_the_question_matches_not_elsewhere():
    # a sentence holding three things is all "哪三方面" knows: not certain enough to lead elsewhere
    span = find_span("具体要改变哪三方面？", "要在基础设施建设、要素保障、项目落地等工作中尽快做出成效。")
    assert span is not None and span.fit < 1.0
    parallel = "以“转思想、转作风、转产业”为行动目标，以“大学习、大走访、大讨论”为载体的“三转三定”大行动。"
    found = find_span_with(
        "Which traditional industries are slated for the “three-ization” upgrade?", parallel, None, ("产业",)
    )
    assert found is None or found.fit < 0.85  # 转产业 is a verb and its object, not an industry named


def test_an_english_question_about_a_kind_of_thing_reads_the_one_quoted_name_of_that_kind():
    layout = "在太原市“一个核心、一体两翼、多方协同”的总体布局中具有重要的战略位置。"
    found = find_span_with("Within which overall layout does it hold a key position?", layout, None, ("总体布局",))
    assert found is not None and found.text == "“一个核心、一体两翼、多方协同”的总体布局"
    intent = "杏花岭区上下将认真贯彻落实省委建设‘太忻经济区’的战略意图，全面落实市委部署要求。"
    found = find_span_with("What strategic intention will it carry out?", intent, None, ("战略意图",))
    assert found is not None and found.text == "建设‘太忻经济区’的战略意图"
    # unquoted, the English words cannot tell which words are the name
    assert find_span_with("Which city is it near?", "尖草坪区是我市距离忻州市最近的城区之一。", None, ("市",)) is None
    # unquoted, one item of a list named as a thing of the kind (its word after a name of its own)
    projects = "重点实施“府城游”升级版、董家庄森林谷、观家峪桃花源特色小镇、张家口森林公园等项目。"
    park = find_span("Apart from the forest valley, which forest park does Li Hui list?", projects)
    assert park is not None and park.text == "张家口森林公园" and park.fit >= 0.85
    # a count names none, and the kind's word printed inside other words tells of others
    districts = "聚焦“三大商圈”提升发展，万柏林区将提升长风商务区商圈地位，构建漪汾商圈新业态。"
    assert find_span_with("Which new business district will it build?", districts, None, ("商圈",)) is None
    # the name may run on into what is done in it (城市群发展中的影响力)
    cluster = "努力提升在太原乃至山西中部城市群发展中的影响力，实现古交全方位高质量发展。"
    found = find_span_with("In which city cluster does it want to raise its influence?", cluster, None, ("城市群",))
    assert found is not None and found.text == "太原乃至山西中部城市群"
    deng = "一是加快煤电热材等传统优势产业的“三化”提升改造。"
    found = find_span_with("Which traditional industries are slated for the upgrade?", deng, "list", ("传统产业",))
    assert found is not None and found.text == "煤电热材"  # the things before 等 and the kind (传统…产业)


def test_a_quoted_word_opening_as_many_clauses_as_counted_gives_the_names_they_end_with():
    sentence = "杏花岭区将紧盯现代服务业产业集群发展这个“主攻方向”，紧盯产业、城市、要素“三大支撑”，优化空间布局。"
    found = find_span("杏花岭区说要「紧盯」的是哪两样？", sentence)
    assert found is not None and found.text == "主攻方向、三大支撑" and found.fit >= 0.85
    assert all(name in sentence for name in found.text.split("、"))


def test_how_they_feel_is_read_from_the_clause_whose_subject_the_question_names():
    sentence = "启动大会在阳曲召开，阳曲人民深受鼓舞、倍感振奋，阳曲干部深感使命光荣、责任重大。"
    cadres = find_span("裴耀军说阳曲的干部们对这件事有什么样的感受？", sentence)
    assert cadres is not None and cadres.text == "深感使命光荣、责任重大"
    people = find_span("阳曲人民心情怎么样？", sentence)
    assert people is not None and people.text == "深受鼓舞、倍感振奋"
    unnamed = find_span("阳曲的企业家有什么感受？", sentence)  # neither subject is named
    assert unnamed is None or unnamed.fit < 0.85


def test_a_chinese_question_that_counts_what_its_verb_opens_reads_the_items_it_opens():
    assert question_leads("阳曲说要优化的是哪三样？") == ("优化",)
    assert question_leads("阳曲要优化什么？") == ()  # nothing counted
    paragraph = "阳曲县将继续优化工作机制，树牢闭环意识。优化营商环境，提升服务质量。优化督察机制，发挥指挥棒作用。"
    items = led_items(paragraph, question_leads("阳曲说要优化的是哪三样？"), 3)
    assert items is not None and items.text == "优化工作机制、优化营商环境、优化督察机制"
    assert asked_count("What are the five work teams Jiancaoping has put together?") == 5


def test_a_bare_count_counts_the_thing_the_question_names():
    # a bare 几个 counts the thing the question names before it, not any "N个…" of the sentence
    sentence = "杏花岭区在太原市“一个核心、一体两翼、多方协同”的总体布局中具有重要的战略位置。"
    count = find_span("杏花岭和万柏林都在做商圈，两边各要搞几个？", sentence)
    assert count is None or count.fit < 0.85


def test_what_kind_of_thing_is_read_from_the_verb_that_introduces_its_description():
    sentence = "切实将思想统一到奋斗目标上来，形成大快上、争先争上、改革创新、奋发有为的干事创业氛围。"
    found = find_span("古交最后想营造出怎样的干事创业氛围？", sentence)
    assert found is not None and found.text == "大快上、争先争上、改革创新、奋发有为的干事创业氛围"


def ask_english(text: str, pid: str) -> object:
    q = Question(
        original=text,
        text=text,
        truncated=False,
        entities={},
        tokens=tuple(text.lower().split()),
        chinese_share=0.0,
        bare=text,
        kinds=LEXICON.english_kinds(text),
    )
    passages = [passage(pid, 2.0)]
    result = SearchResult(q, passages, True, np.array([0.0, 1.0], dtype=np.float32))
    return compose_answer(result, cast(Any, PageIndex(passages, {"、": 0.5})), cast(Any, CharTokenizer()))


def test_a_list_question_without_a_certain_answer_quotes_the_enumerating_sentences_of_its_passage():
    ans = ask("尖草坪区有哪些高校？", [passage("lu-junfeng-p03", 2.0)], close={"路网密集": 0.9})
    assert ans.short is None and "中北大学、太原工业学院" in ans.text


def test_which_aspects_question_answered_by_a_numbered_point_quotes_the_whole_series_in_order():
    gujiao = {"李卫平": frozenset({"li-weiping"}), "古交": frozenset({"li-weiping"})}
    points = [passage(f"li-weiping-p0{n}", 2.0 - n / 100) for n in (5, 3, 4, 6)]
    ans = ask("李卫平讲了古交哪几方面的产业打算？", points, close={"三是": 0.9}, entities=gujiao)
    assert [s.text[:2] for s in ans.sentences] == ["一是", "二是", "三是", "四是"]
    assert [s.source for s in ans.sentences] == [1, 2, 3, 4]
    # a point of the series holds the direct answer: that point is quoted, the rest are other passages
    points = [passage(f"li-weiping-p0{n}", 2.0 - n / 100) for n in (3, 6, 4, 5)]
    infra = ask("古交打算上马哪些方面的基础设施？", points, close={"四是": 0.9}, entities=gujiao)
    assert infra.short == "交通、市政、文化、教育、卫生"
    assert [s.passage.id for s in infra.sentences] == ["li-weiping-p06"] and infra.cited == 1


def test_both_with_a_singular_which_asks_for_one_district_and_a_secretary_name_asks_for_the_speaker():
    top = [passage("lu-junfeng-p03", 2.0), passage("li-hui-p02", 1.9)]
    both = ask("中北大学和太原工业学院都在太原哪个区？", top)  # 都: both are in it, one district asked
    assert both.short == "尖草坪区、中北高新区"
    named = ask("中北大学所在的那个区，区委书记叫什么名字？", top)
    assert named.short == "卢俊峰"


def test_items_opening_with_an_english_question_verb_are_its_answer_across_sentences():
    paragraph = PARAGRAPHS["pei-yaojun-p05"][1].text  # 优化工作机制，…。优化营商环境，…。优化督察机制，…
    span = led_items(paragraph, ("优化",), count=3)
    assert span is not None and span.text == "优化工作机制、优化营商环境、优化督察机制"
    assert led_items(paragraph, ("优化",), count=2) is None  # three named, two asked
    assert led_items("主动对接、主动认领，确保蹄疾步稳。", ("主动",)).text == "主动对接、主动认领"
    assert led_items("以“转思想”为目标的“三转三定”大行动。", ("定",)) is None  # 定 closing a quote opens nothing
    top = [passage("pei-yaojun-p05", 2.0)]
    english = "Under the heading of stricter standards, which three things does Yangqu say it will optimize?"
    ans = ask(english, top, chinese_share=0.2, leads=("优化",))
    assert ans.short == "优化工作机制、优化营商环境、优化督察机制"
    assert ask(english, top, chinese_share=0.2).short is None  # no verb read: nothing certain


def test_a_list_question_quotes_the_passage_sentences_that_name_the_asked_kind():
    # no certain list of 商圈 in 李慧's paragraph: the sentences naming a 商圈 are quoted, best first
    ans = ask("迎泽区要改造提升哪些商圈？", [passage("li-hui-p05", 2.0)], close={"朝阳商圈": 0.9})
    assert ans.short is None
    quoted = "".join(s.text for s in ans.sentences)
    assert "传统商圈改造" in quoted and "朝阳商圈" in quoted


def test_a_parallel_series_of_points_is_quoted_whole_in_page_order():
    # 要以更高的站位，…抓落实。/ 要以更大的力度，…抓落实。/ …: four points, no 一是…二是
    yangqu = {"阳曲县": frozenset({"pei-yaojun"})}
    page = [passage(f"pei-yaojun-p0{n}", 2.0 - n / 100) for n in range(1, 7)]  # the index: page order
    found = [page[n - 1] for n in (5, 3, 2, 4, 6)]  # as retrieved
    ans = ask("阳曲县讲抓落实，分别从哪四个“更”字入手？", found, close={"更严的标准": 0.9}, entities=yangqu, page=page)
    assert [s.text[:5] for s in ans.sentences] == ["要以更高的", "要以更大的", "要以更实的", "要以更严的"]
    # the paragraph after them opens otherwise: a plain question about it quotes no series
    # a point of no series (p06 opens otherwise) answers alone, even to a 哪几方面 question
    top = [passage("pei-yaojun-p06", 2.0), passage("pei-yaojun-p02", 1.99)]
    plain = ask("阳曲有哪几方面的优势？", top, close={"格局之要": 0.9}, entities=yangqu, page=page)
    assert plain.sentences[0].passage.id == "pei-yaojun-p06"
    assert not any(s.text.startswith("要以更") for s in plain.sentences[:1])


def test_the_speaker_name_in_a_sentence_does_not_make_it_the_answer():
    # Both sentences are equally close; only one says something about 产业, the other repeats the names.
    gujiao = {"李卫平": frozenset({"li-weiping"}), "古交": frozenset({"li-weiping"})}
    ans = ask(
        "李卫平谈古交的产业怎么转型？",
        [passage("li-weiping-p02", 2.0), passage("li-weiping-p03", 2.0)],
        close={"当前古交发展": 0.5, "一是加快": 0.5},
        entities=gujiao,
    )
    assert ans.sentences[0].passage.id == "li-weiping-p03"


def test_an_english_when_inside_the_question_does_not_make_it_a_date_question():
    assert question_type("Which two 'orientations' does Yangqu stick to when implementing the work?") == "list"
    assert question_type("When was the kick-off meeting held?") == "date"
    assert LEXICON.english_kinds("Which two 'orientations' does Yangqu stick to?") == ("导向",)  # quotes dropped


def test_an_english_category_noun_is_read_as_its_chinese_words():
    assert LEXICON.english_kinds("What kind of team did Yangqu County set up?") == ("队伍", "专班", "工作组")
    assert LEXICON.english_kinds("Which universities are located in Jiancaoping District?")[0] == "高校"
    assert LEXICON.english_kinds("What is the goal?") == ()  # no category noun asked
    assert LEXICON.english_kinds("How many renewable energy projects are planned?") == ("项目",)  # the last noun
    assert asked_heads("尖草坪区细化工作任务时要制定哪三样东西？") == ()  # 东西 names no kind


def test_a_question_naming_a_district_is_answered_from_its_interview_when_that_ranks_near_the_top():
    # 迎泽区 (李慧) also prints a list of 服务业; the question names 杏花岭区 (李文权).
    named = {"杏花岭区": frozenset({"li-wenquan"})}
    top = [passage("li-hui-p02", 2.0), passage("li-wenquan-p02", 1.99)]
    ans = ask("杏花岭区要发展哪些服务业？", top, close={"生产性服务业": 0.9}, entities=named)
    assert {s.passage.interview_id for s in ans.sentences} == {"li-wenquan"}
    unnamed = ask("要发展哪些服务业？", top, close={"生产性服务业": 0.9})
    assert unnamed.sentences[0].passage.interview_id == "li-hui"  # nothing named: the best sentence leads


def test_a_fact_question_without_a_certain_answer_says_so_before_the_quotes():
    ans = ask("万柏林区要打造哪些产业集群？", [passage("yang-junmin-p04", 2.0)])  # a lead sentence, no list of 集群
    assert ans.short is None
    assert ans.text.splitlines()[0] == "版面上没有找到可以直接作答的词句，以下是最相关的原文：" == ans.hedge
    sure = ask("万柏林区第一年计划完成多少投资？", [passage("yang-junmin-p08", 2.0)], close={"300亿元": 0.9})
    assert sure.short == "300亿元" and "没有找到" not in sure.text and sure.hedge is None
    how = ask("万柏林区怎么发展产业？", [passage("yang-junmin-p04", 2.0)])  # not a fact question: no hedge
    assert "没有找到" not in how.text


def test_which_district_without_a_certain_answer_quotes_the_two_likeliest_and_says_it_cannot_tell():
    # Two interviews about as likely (their best passages within the speaker margin): no bold district.
    top = [passage("li-hui-p03", 2.0), passage("li-hui-p02", 1.99), passage("lu-junfeng-p05", 1.98)]
    ans = ask("哪个区为了腾地、拉投资，专门组了好几个班子？", top)
    assert ans.short is None
    assert ans.text.splitlines()[0] == "不能确定是哪个区县，以下是最相关的原文："
    assert {s.passage.interview_id for s in ans.sentences} == {"li-hui", "lu-junfeng"}


def test_a_full_name_asked_of_a_quoted_short_one_is_read_further_down_the_same_interview():
    # the paragraph listing the five carriers short ranks first; the one naming 引领区 in full is 4th
    ranked = [
        passage(pid, 2.0 - n / 10) for n, pid in enumerate(("li-hui-p01", "li-hui-p02", "li-hui-p03", "li-hui-p05"))
    ]
    ans = ask("迎泽区五大载体里的那个“引领区”，完整的叫法是什么？", ranked, close={"消费升级引领区": 0.9})
    assert ans.short == "全省消费升级引领区" and ans.sentences[0].passage.id == "li-hui-p05"
    # not retrieved, not read; retrieved below another interview's paragraph, read all the same
    other = [passage("li-hui-p01", 2.0), passage("li-weiping-p02", 1.5), passage("li-hui-p05", 1.4)]
    assert (
        ask("迎泽区五大载体里的那个“引领区”，完整的叫法是什么？", ranked[:3], close={"消费升级引领区": 0.9}).short
        is None
    )
    assert ask("迎泽区五大载体里的那个“引领区”，完整的叫法是什么？", other, close={"消费升级引领区": 0.9}).short


def test_the_nth_item_of_a_list_named_by_the_question_is_read_by_its_place():
    six = "以“一个总体规划”“一个启动区建设”“一批项目落地”“一个管理机构”的“六个一”为工作抓手。"
    found = find_span("阳曲“六个一”里排头一个是什么？", six)
    assert found is not None and found.text == "一个总体规划" and six[found.start :].startswith("一个总体规划")
    assert find_span("阳曲“六个一”里第三个是什么？", six).text == "一批项目落地"
    five = "打造“核心区、承载区、集聚区、引领区、休闲区”五大融合载体。"
    first = find_span("迎泽区五大融合载体里排第一个的是啥？", five)
    assert first.text == "核心区" and 0.85 <= first.fit < 1.0  # not all five; a full name said elsewhere leads
    assert find_span("迎泽区三大主攻方向里第二个是啥？", five) is None  # the question names another list


def test_a_question_about_how_an_interview_ends_is_answered_from_its_last_paragraph():
    page = [passage(pid, 0.0) for pid in PARAGRAPHS]
    top = [passage("li-hui-p01", 2.0), passage("li-hui-p03", 1.95)]
    ans = ask("李慧在访谈最后表态时，用了哪几个词来形容迎泽区要怎么干？", top, page=page)
    assert ans.sentences[0].passage.id == "li-hui-p07" and "大胆实践、勇于创新、实干担当" in ans.text
    assert ask("李慧表态时用了哪几个词？", top, page=page).sentences[0].passage.id != "li-hui-p07"  # not asked


def test_a_short_word_only_one_interview_prints_says_which_district():
    page = [passage(pid, 0.0) for pid in PARAGRAPHS]
    top = [passage("li-hui-p01", 2.0), passage("lu-junfeng-p03", 1.99)]  # the wrong one ranks first
    ans = ask("哪个区有太钢？", top, page=page, content=("区", "太钢"))
    assert ans.short == "尖草坪区、中北高新区" and ans.sentences[0].passage.id == "lu-junfeng-p03"
    # a word two interviews print (路网: 路网密集, 水电路网) says nothing of which
    assert (
        ask("哪个区说自己路网密？", top, page=page, content=("区", "自己", "路网", "密")).short
        != "尖草坪区、中北高新区"
    )


def test_a_count_asked_of_each_named_place_is_given_for_each_and_a_place_without_one_is_missing():
    page = [passage(pid, 0.0) for pid in PARAGRAPHS]
    both = {"杏花岭": frozenset({"li-wenquan"}), "万柏林": frozenset({"yang-junmin"})}
    top = [passage("yang-junmin-p07", 2.0), passage("li-wenquan-p02", 1.99)]
    ans = ask("杏花岭和万柏林都在做商圈，两边各要搞几个？", top, page=page, entities=both)
    assert ans.short == "杏花岭区：五大商圈；万柏林区：三大商圈"  # in the question's order
    assert [s.passage.id for s in ans.sentences] == ["li-wenquan-p02", "yang-junmin-p07"]
    assert ans.text.startswith(f"**{ans.short}**\n")  # each quote says who said it
    money = {"万柏林": frozenset({"yang-junmin"}), "古交": frozenset({"li-weiping"})}
    top = [passage("yang-junmin-p08", 2.0), passage("li-weiping-p02", 1.9)]
    one = ask("万柏林和古交第一年分别计划投资多少？", top, page=page, entities=money)
    assert one.short == "万柏林区：300亿元" and one.missing == "版面没有给出古交市的投资额"
