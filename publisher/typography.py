"""Chinese typesetting rules applied to model text (clreq, GB/T 15834)."""
from __future__ import annotations

import re

#: Han ideographs (basic, extension A, compatibility)
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
#: CJK and full-width punctuation, curly quotes, ellipsis and dash
CJK_PUNCT = "\u3000-\u303f\uff00-\uffef\u2018\u2019\u201c\u201d\u2026\u2014"
CJK = HAN + CJK_PUNCT

_FULL = {",": "，", ";": "；", ":": "：", "!": "！", "?": "？", "(": "（", ")": "）"}

# An ASCII mark with a Han character (or CJK punctuation) right before it, or a
# Han character right after it, sits in Chinese text and takes the full-width form.
_MARK_AFTER_CJK = re.compile(rf"(?<=[{CJK}])[,;:!?()]")
_MARK_BEFORE_HAN = re.compile(rf"[,;:!?()](?=[{HAN}\u201c\u2018])")
_NEWLINE = re.compile(r"[ \t]*\n[ \t]*")
#: one Han character or CJK punctuation mark
CJK_CHAR = re.compile(rf"[{CJK}]")
#: text that is Chinese for sure: Han, or punctuation only CJK text uses (curly quotes,
#: the ellipsis and the dash are Latin text's too)
CHINESE_TEXT = re.compile(rf"[{HAN}\u3000-\u303f\uff00-\uffef]")


def normalise_punctuation(text: str) -> str:
    """Turn ASCII , ; : ( ) ! ? in Chinese text into their full-width forms."""
    text = _MARK_AFTER_CJK.sub(lambda m: _FULL[m.group()], text)
    return _MARK_BEFORE_HAN.sub(lambda m: _FULL[m.group()], text)


def join_lines(text: str) -> str:
    """Join soft line breaks: nothing between Chinese characters, a space elsewhere.

    A newline inside a Chinese paragraph would otherwise show as a visible space.
    """
    def joiner(match: re.Match[str]) -> str:
        before = text[match.start() - 1] if match.start() else ""
        after = text[match.end()] if match.end() < len(text) else ""
        if CJK_CHAR.match(before or " ") or CJK_CHAR.match(after or " "):
            return ""
        return " "
    return _NEWLINE.sub(joiner, text)


def is_cjk(char: str) -> bool:
    """True for a Han character or CJK punctuation."""
    return bool(CJK_CHAR.match(char))


_LATIN_WORD = re.compile(r"[A-Za-z]+")
_CODE = re.compile(r"```.*?```|~~~.*?~~~|`[^`\n]*`|^(?: {4}|\t).*$", re.S | re.M)


def detect_language(text: str) -> str:
    """zh-CN when Han characters outnumber Latin words in the prose (code left out), else en."""
    prose = _CODE.sub("", text)
    han = len(re.findall(f"[{HAN}]", prose))
    return "zh-CN" if han and han >= len(_LATIN_WORD.findall(prose)) else "en"


def is_chinese(language: str) -> bool:
    """True for zh, zh-CN, zh-Hans, zh-TW …"""
    return language.lower().split("-")[0] == "zh"


#: a straight quote and what stands before it: opening after a space, an opening bracket,
#: a dash or the start; closing elsewhere; an apostrophe between letters ("it's", "rock'n'roll")
_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)")
_OPENING_DOUBLE = re.compile(r'(?:(?<=^)|(?<=[\s(\[{\u2014\u2013-]))"(?=\S)')
_OPENING_SINGLE = re.compile(r"(?:(?<=^)|(?<=[\s(\[{\u2014\u2013-]))'(?=\S)")


def smart_quotes(text: str) -> str:
    """Straight quotes as typographers set them: "…" → “…”, '…' → ‘…’, it's → it’s.

    (Python-Markdown's smarty does the same with 30 inline patterns per text node:
    four times the whole parse; this is one pass of four expressions.)
    """
    if '"' not in text and "'" not in text:
        return text
    text = _APOSTROPHE.sub("\u2019", text)
    text = _OPENING_DOUBLE.sub("\u201c", text).replace('"', "\u201d")
    return _OPENING_SINGLE.sub("\u2018", text).replace("'", "\u2019")


#: Chinese numerals as heading numbers write them (一 … 九千九百九十九)
_HAN_NUMBER = "一二三四五六七八九十百千零"
#: a numbering that says so itself: a number or letter with its mark ("1." "A、" "2.1."), a
#: Chinese number ("一、" "（一）" "(1)"), a dash ("——")
_LABEL = re.compile(
    rf"^\s*(?:(?:[A-Z]|[IVX]{{1,4}}|\d{{1,3}}(?:\.\d{{1,3}})*)(?:[.．](?!\d)|、)"
    rf"|[{_HAN_NUMBER}]{{1,8}}(?:[.．](?!\d)|、)|[（(](?:[{_HAN_NUMBER}]{{1,8}}|\d{{1,3}})[)）]|——)\s*")
#: a chapter, part or section the heading names ("第一章" "第二部分" "第3节"): the document's own
#: structure, kept as it is and given no other number
CHAPTER = re.compile(rf"^\s*第[{_HAN_NUMBER}\d]{{1,6}}(?:部分|[章节篇条部回])")
#: a bare number or letter before a space ("A 党的…" "1 总体" "2.1 智慧"): a numbering only where
#: the headings around it count on ("A 股市场" alone is a word, "3 月份" a month, "3.5 亿元" a sum)
_BARE = re.compile(r"^\s*(?:(?P<letter>[A-Z])|(?P<number>\d{1,3}(?:\.\d{1,3})*))\s+(?=\S)")


def without_enumerator(text: str) -> str:
    """A heading's text without a numbering that says so itself ("一、总体" → "总体"; "A 股" stays)."""
    rest = _LABEL.sub("", text, count=1)
    return rest if rest.strip() else text


def heading_numbers(headings: list[tuple[int, str]]) -> list[str]:
    """For each heading (level, text), in document order, the numbering its text begins with,
    else "": one that says so itself, or a bare letter or number where a heading of the same
    level counts one up or down from it (A and B; 1 and 2), or a dotted number under a heading
    of its parent's number (2.1 under 2). A heading that would be left with no words keeps them."""
    bare = [_BARE.match(text) for _, text in headings]
    counted: dict[tuple[int, str], set[int]] = {}
    for (level, _), match in zip(headings, bare):
        if match and match.group("letter"):
            counted.setdefault((level, "letter"), set()).add(ord(match.group("letter")))
        elif match and "." not in match.group("number"):
            counted.setdefault((level, "number"), set()).add(int(match.group("number")))
    out: list[str] = []
    numbered: dict[int, str] = {}  # level → the bare number of the last heading there
    for (level, text), match in zip(headings, bare):
        label = _LABEL.match(text)
        prefix = label.group() if label else ""
        if not prefix and match:
            prefix = _counted(level, match, counted, numbered)
        for deeper in [k for k in numbered if k >= level]:
            del numbered[deeper]
        if match and match.group("number") and prefix:
            numbered[level] = match.group("number")
        out.append(prefix if prefix and text[len(prefix):].strip() else "")
    return out


def _counted(level: int, match: re.Match[str], counted: dict[tuple[int, str], set[int]],
             numbered: dict[int, str]) -> str:
    """A bare numbering's prefix when its neighbours count with it, else ""."""
    if match.group("letter"):
        value, kind = ord(match.group("letter")), "letter"
    elif "." in match.group("number"):
        parent = match.group("number").rsplit(".", 1)[0]
        return match.group() if any(number == parent for number in numbered.values()) else ""
    else:
        value, kind = int(match.group("number")), "number"
    values = counted.get((level, kind), set())
    return match.group() if value - 1 in values or value + 1 in values else ""


def chinese_number(number: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 105 → 一百零五, 2024 → 二千零二十四; from 10,000 on in digits."""
    digits = "零一二三四五六七八九"
    if number < 0 or number >= 10_000:
        return str(number)
    if number < 10:
        return digits[number]
    if 10 <= number < 20:
        return "十" + (digits[number - 10] if number > 10 else "")
    out, zero = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit, number = divmod(number, value)
        if digit:
            out += ("零" if zero and out else "") + digits[digit] + unit
            zero = False
        else:
            zero = True
    return out


#: a run of Latin words in Chinese text: two words or more (a lone name or code, "DeepSeek",
#: "5G", is no change of language), with the numbers and marks between them
#: (linear: a run starts only where a word starts, and words are taken whole, never given back,
#: so a megabyte with no space is one pass)
_TOKEN = "A-Za-z0-9_'’.,;:%\\-"
_LATIN_RUN = re.compile(rf"(?<![{_TOKEN}])[A-Za-z][{_TOKEN}]*+(?:[ \t]+[(\"“‘]?[A-Za-z0-9][{_TOKEN}]*+[)\"”’]?)++[!?]?")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def latin_runs(text: str) -> list[tuple[str, bool]]:
    """`text` in pieces, each marked True when it is a run of Latin words (an English sentence
    or name inside Chinese text), which a screen reader must read in its own language."""
    pieces: list[tuple[str, bool]] = []
    pos = 0
    for match in _LATIN_RUN.finditer(text):
        if len(_LATIN_WORD.findall(match.group())) < 2:
            continue
        if match.start() > pos:
            pieces.append((text[pos:match.start()], False))
        pieces.append((match.group(), True))
        pos = match.end()
    if pos < len(text):
        pieces.append((text[pos:], False))
    return pieces
