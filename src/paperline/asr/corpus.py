"""The sentence corpus the generator speaks and burns in: Mandarin from common characters, one per
toned syllable (espeak-ng reads numbered pinyin, so two characters with the same syllable would sound
identical and no model could tell them apart), and English from a small everyday word list."""

from __future__ import annotations

from functools import cache

import numpy as np

# common characters, roughly in frequency order
COMMON = (
    "的一是不了人我在有他这为之大来以个中上们到说国和地也子时道出而要于就下得可你年生自会那后能对着事其里所去"
    "行过家十用发天如然作方成者多日都三小军二无同么经法当起与好看学进种将还分此心前面又定见只主没公从知样现外"
    "已高开想水两长物正机全实点意本文手身话月才问新气头力比次电回少很工提美路相向总重直理教内金门白东感市西南"
    "北车红花山海风雨春夏秋冬早晚午夜书报字画歌舞茶饭菜米肉鱼鸡鸭牛羊马猫狗鸟树草林河湖桥楼窗床桌椅灯钟表笔纸"
    "衣鞋帽包钱价买卖送给借找等走跑跳飞坐站睡醒吃喝穿洗读写听唱笑哭爱怕忙累冷热快慢远近左右旁边真假旧低短胖瘦"
    "黑黄绿蓝紫星云雪冰火石土田村城街店厂院校班课题考试答案数量度温光声音色味香甜苦酸辣咸船票站台号码网站信息"
    "照片电影节目新闻故事朋友老师同学医生病药身体健康运动足球比赛赢输第百千万亿元角块斤半双对些每各全部")
ENGLISH = (
    "the a one two three four five six seven eight nine ten we you they people time day night year city road "
    "train station ticket window morning evening river mountain house garden school teacher student doctor news "
    "music market coffee water bread apple orange green blue red yellow black white small big long short old new "
    "fast slow happy busy quiet open close go come see look walk run read write speak listen learn buy sell "
    "give take make find think know want need like love help stay wait start stop today tomorrow always never "
    "here there near far left right north south east west weather rain snow wind summer winter spring autumn "
    "phone video picture story friend family child mother father sister brother game team player ball field "
    "street bridge park lake forest island table chair door light paper letter book pen shop price money").split()


@cache
def mandarin_vocabulary() -> tuple[tuple[str, str], ...]:
    """(character, toned pinyin) pairs, each syllable once: the first common character that has it."""
    from pypinyin import Style, lazy_pinyin

    seen, vocab = set(), []
    for c in dict.fromkeys(COMMON):
        syllable = lazy_pinyin(c, style=Style.TONE3, neutral_tone_with_five=True)[0]
        if syllable not in seen and syllable != c:
            seen.add(syllable)
            vocab.append((c, syllable))
    return tuple(vocab)


def pinyin_of(text: str) -> str:
    """Numbered pinyin for espeak-ng's `cmn-latn-pinyin` voice, from the vocabulary's own readings."""
    reading = dict(mandarin_vocabulary())
    return " ".join(reading[c] for c in text if c in reading)


class Sentences:
    """Seeded sentence sampler: Mandarin of `min_chars`-`max_chars` characters with Zipf-like
    character frequencies over the first `vocabulary` characters (0: all), English of 3-7 words."""

    def __init__(self, seed: int, min_chars: int = 4, max_chars: int = 10, vocabulary: int = 0):
        self.rng = np.random.default_rng(seed)
        self.chars = [c for c, _ in mandarin_vocabulary()][: vocabulary or None]
        w = 1.0 / np.arange(1, len(self.chars) + 1) ** 0.6
        self.weights = w / w.sum()
        self.min_chars, self.max_chars = min_chars, max_chars

    def mandarin(self) -> str:
        n = int(self.rng.integers(self.min_chars, self.max_chars + 1))
        return "".join(self.rng.choice(self.chars, n, p=self.weights))

    def english(self) -> str:
        n = int(self.rng.integers(3, 8))
        return " ".join(self.rng.choice(ENGLISH, n))

    def sentence(self, language: str) -> str:
        return self.mandarin() if language == "cmn" else self.english()
