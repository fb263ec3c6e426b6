"""The jieba dictionary made from corpus metadata and the curated word list."""

from __future__ import annotations

import jieba
import pytest

from helpers import CORPUS
from taixin_qa.corpus import load_corpus
from taixin_qa.errors import TaixinError
from taixin_qa.lexicon import Lexicon
from taixin_qa.tokenization import Tokenizer, cjk_ratio, to_simplified

NAMES = ["太忻经济区", "大盂启动区", "中北高新区", "裴耀军", "东辰时代奥特莱斯"]
SENTENCE = "太忻经济区大盂启动区和中北高新区，裴耀军推进东辰时代奥特莱斯项目"


@pytest.fixture(scope="module")
def lexicon():
    return Lexicon.from_corpus(load_corpus(CORPUS))


def test_corpus_names_come_out_as_one_token(lexicon):
    tokens = Tokenizer(lexicon).cut(SENTENCE)
    for name in NAMES:
        assert name in tokens, (name, tokens)


def test_plain_jieba_gets_some_of_them_wrong():
    plain = jieba.Tokenizer().lcut(SENTENCE)
    wrong = [name for name in NAMES if name not in plain]
    assert len(wrong) >= 2, plain


def test_dictionary_is_built_from_headers_and_word_list(lexicon):
    words = {w.text for w in lexicon.dictionary}
    # from interview headers
    assert {"李卫平", "古交市", "古交", "副市长", "中北高新区党委书记"} <= words
    # from corpus/lexicon/words.txt
    assert {"三转三定", "一年见效", "1+3+3"} <= words


def test_places_and_people_resolve_in_chinese_pinyin_and_english(lexicon):
    assert lexicon.find_entities("阳曲县的发展目标是什么？") == {"阳曲县": {"pei-yaojun"}}
    for text, interview in [
        ("What does Wanbolin plan?", "yang-junmin"),
        ("When was Wanbailin's secretary interviewed?", "yang-junmin"),  # 柏 read bai, as often spelled
        ("Gujiao new energy", "li-weiping"),
        ("Yingze District", "li-hui"),
        ("Xinghualing", "li-wenquan"),
        ("Jiancaoping", "lu-junfeng"),
        ("Yangqu County", "pei-yaojun"),
        ("What did Li Hui say?", "li-hui"),
        ("裴耀军说了什么", "pei-yaojun"),
    ]:
        ids = set().union(*lexicon.find_entities(text).values())
        assert ids == {interview}, text


def test_traditional_chinese_is_simplified_and_english_is_recognised():
    assert to_simplified("陽曲縣的發展目標是什麼？") == "阳曲县的发展目标是什么？"
    assert cjk_ratio("Who is the party secretary of Yangqu?") == 0.0
    assert cjk_ratio("阳曲县的目标") == 1.0


def test_a_chinese_alias_from_aliases_yaml_names_its_interview(corpus_copy):
    (corpus_copy / "lexicon" / "aliases.yaml").write_text("pei-yaojun: [盂城北门, Yangqu County]\n", encoding="utf-8")
    lexicon = Lexicon.from_corpus(load_corpus(corpus_copy))
    assert lexicon.find_entities("盂城北门的发展目标是什么？") == {"盂城北门": {"pei-yaojun"}}
    assert lexicon.find_entities("What is Yangqu County aiming for?")["yangqucounty"] == {"pei-yaojun"}


def test_english_words_are_read_as_the_page_chinese_words(lexicon):
    assert lexicon.english_words("Which universities are in Jiancaoping?") == ("高校", "大学")  # y -> ies
    assert lexicon.english_words("What renewable energy projects?")[0] == "新能源"  # the phrase before its words
    assert lexicon.english_words("How is the weather?") == ()  # no page word


def test_which_ones_asks_for_the_noun_named_before_it(lexicon):
    assert lexicon.english_kinds("Jiancaoping hosts three military enterprises — which ones?") == ("军企", "军工企业")
    assert lexicon.english_kinds("Which ones are new?") == ()  # no noun before it
    # the asked noun may end the question after an adverb
    assert lexicon.english_kinds("It links up with which scenic spots elsewhere?") == ("景区", "景点")


def test_an_institution_named_after_a_place_does_not_name_its_interview(lexicon):
    assert lexicon.find_entities("中北大学在哪个区？") == {}  # a university, not 中北高新区
    assert lexicon.find_entities("中北高新区和中北大学") == {"中北高新区": {"lu-junfeng"}}
    assert lexicon.find_entities("中北有什么高校？") == {"中北": {"lu-junfeng"}}


def test_page_names_spelled_in_pinyin_are_found_in_english_questions(lexicon):
    text = "What is planned for the Shengke Financial Center, Jiabao Plaza and the Chaoyang business district?"
    assert lexicon.pinyin_names(text) == ("盛科金融中心", "珈宝广场", "朝阳商圈")  # 朝 read chao or zhao
    assert lexicon.pinyin_names("Shengke is the first word, lower-case dayu is no name") == ()
    assert lexicon.pinyin_names("What about Tokyo and London?") == ()


def test_english_verbs_are_read_as_the_words_items_open_with(lexicon):
    assert lexicon.english_leads("Which three things does Yangqu say it will optimize?") == ("优化",)
    assert lexicon.english_words("Which three things will it optimize?") == ("优化",)  # a keyword too
    assert lexicon.english_leads("Which universities are in Jiancaoping?") == ()  # a noun is no lead


def test_a_broken_english_yaml_gets_a_clear_message(corpus_copy):
    (corpus_copy / "lexicon" / "english.yaml").write_text("terms: [investment\n", encoding="utf-8")
    with pytest.raises(TaixinError, match="english.yaml: not valid YAML"):
        Lexicon.from_corpus(load_corpus(corpus_copy))
    (corpus_copy / "lexicon" / "english.yaml").write_text("investment: 投资\n", encoding="utf-8")
    with pytest.raises(TaixinError, match="expected 'terms:'"):
        Lexicon.from_corpus(load_corpus(corpus_copy))
