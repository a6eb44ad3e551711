"""Turning free text (English and Chinese) into full-text index terms and queries.

FTS5's `unicode61` tokenizer keeps a whole run of Chinese characters as one token, and
`trigram` cannot match the two-character words most Chinese words are. So before text
goes into the index, every run of CJK characters is rewritten as its overlapping
bigrams followed by its last character: `登录缓慢` -> `登录 录缓 缓慢 慢`. Then
- a 1-character query `慢` is the prefix query `慢*` (every character starts a bigram or
  is the last one of its run),
- a 2-character query is one bigram token,
- a longer query is the phrase of its bigrams (`"登录 录缓 缓慢"`), which must appear
  consecutively, so `登录缓慢` does not match text that merely holds both words.
Latin words keep unicode61's own tokens and are matched as prefixes. No dictionary or
word segmenter is needed, and it works the same for Japanese kana and Korean hangul.
"""

import functools
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dutydesk.errors import UserError
from dutydesk.i18n import _

CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+")
WORD = re.compile(r"\w+")
# What FTS5's unicode61 tokenizer keeps as token characters: letters and numbers (not "_").
TOKEN = re.compile(r"[^\W_]+")
# A Latin query word matches at the start of a word (not after one of these); CJK before it is a boundary too.
LATIN_WORD_CHAR = r"[0-9A-Za-z\u00c0-\u024f]"


def _bigrams(run: str) -> list[str]:
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)] + [run[-1]]


def index_text(text: str) -> str:
    """The text as it goes into the full-text index."""
    return CJK_RUN.sub(lambda match: " " + " ".join(_bigrams(match.group())) + " ", text)


def query_terms(query: str) -> list[str]:
    """The words and CJK runs a query searches for, in order."""
    terms: list[str] = []
    for piece in CJK_RUN.split(query):
        terms.extend(WORD.findall(piece))
    for run in CJK_RUN.findall(query):
        terms.append(run)
    return terms


@dataclass(frozen=True)
class Phrase:
    """Index tokens that must occur consecutively; with `prefix`, the last one is a prefix."""

    tokens: tuple[str, ...]
    prefix: bool


def tokens(text: str) -> list[str]:
    """The tokens of `text` as FTS5's `unicode61 remove_diacritics 2` makes them: folded case, no accents."""
    return [_fold(token) for token in TOKEN.findall(text)]


def _fold(token: str) -> str:
    if token.isascii():
        return token.lower()
    decomposed = unicodedata.normalize("NFD", token.lower())
    return unicodedata.normalize("NFC", "".join(char for char in decomposed if unicodedata.category(char) != "Mn"))


def index_tokens(text: str) -> list[str]:
    """The tokens the full-text index holds for `text`, in order."""
    return tokens(index_text(text))


@functools.lru_cache(maxsize=256)  # a search is often repeated: the same query, new entries
def query_phrases(query: str) -> tuple[Phrase, ...]:
    """The phrases an entry must hold to match `query`, one per term (see the module doc)."""
    terms = query_terms(query)
    if not terms:
        raise UserError(_("the search has no words to look for"))
    return tuple(
        Phrase(tuple(_bigrams(term)[:-1]), prefix=False)
        if CJK_RUN.fullmatch(term) and len(term) > 1
        else Phrase(tuple(tokens(term)), prefix=True)
        for term in terms
    )


def fts_query(phrases: Sequence[Phrase]) -> str:
    """The FTS5 MATCH expression for entries holding every phrase."""
    return " AND ".join('"' + " ".join(phrase.tokens) + '"' + ("*" if phrase.prefix else "") for phrase in phrases)


@functools.lru_cache(maxsize=64)
def spans_of(query: str) -> Callable[[str], list[tuple[int, int]]]:
    """Where the terms of `query` occur in a text, for highlighting (case-insensitive); the
    pattern is made once per query, not once per hit."""
    terms = sorted(query_terms(query), key=len, reverse=True)
    if not terms:
        return lambda _text: []
    alternatives = [re.escape(term) if CJK_RUN.fullmatch(term) else _at_word_start(re.escape(term)) for term in terms]
    pattern = re.compile("|".join(alternatives), re.IGNORECASE)
    return lambda text: [match.span() for match in pattern.finditer(text)]


def _at_word_start(term: str) -> str:
    """`term` where no Latin letter or digit comes before it. The check looks behind from the
    term's end: the pattern then starts with the term itself, which the regular expression
    engine finds twice as fast as a pattern starting with a look-behind (a hit's text is
    scanned whole for every search)."""
    return f"{term}(?<!{LATIN_WORD_CHAR}{term})"
