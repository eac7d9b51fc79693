"""Extractive one-sentence summary: the sentence that states what the paper does.

Abstracts follow a known arc (background, gap, "we propose", results), so the sentence carrying
the contribution is found from its cue words rather than from word statistics."""

from __future__ import annotations

import re

from enrich.offline.tokens import sentence_spans

_PROPOSE = re.compile(
    r"\b(?:we|this (?:paper|work|study|article|letter))"
    r"\s+(?:[\w\-]+,?\s+){0,5}?"
    r"(?:propos|introduc|present|develop|design|devis|put\s+forward|formulat|contribut|describ"
    r"|offer|build|construct|creat|releas|establish|advocat|tackl|address|extend|leverag|"
    r"reformulat|curat|assembl|collect)\w*"
)
_FINDING = re.compile(
    r"\b(?:we|this (?:paper|work|study|article)|our (?:results|findings|analysis|experiments))"
    r"\s+(?:[\w\-]+,?\s+){0,3}?"
    r"(?:show|find|found|demonstrat|reveal|identif|prov|uncover|argu|investigat|stud|explor"
    r"|examin|analy[sz]|report|observ|discover|aim)\w*"
)
_PASSIVE = re.compile(r"\b(?:is|are)\s+(?:\w+ly\s+)?(?:propos|introduc|present|develop|design)ed\b")
_ALSO = re.compile(r"\bwe\s+(?:further|also|additionally)\b")
_HERE = re.compile(r"\b(?:in this (?:paper|work|study|article)|here,?\s+we)\b")
_NAMED = re.compile(
    r"\b(?:called|named|dubbed|termed|coined|novel|new)\b|\([A-Z][\w\-$^{}]*[A-Z0-9][\w\-]*\)"
)
_SECONDARY = re.compile(
    r"^\s*(?:(?:specifically|additionally|moreover|furthermore|further|finally|besides|also|"
    r"then|next|second(?:ly)?|third(?:ly)?|lastly|in addition|in detail|concretely)\b,?"
    r"|\(?\d\)|\(?[ivx]+\))"
)
_BACKGROUND = re.compile(
    r"\b(?:however|recent(?:ly)?|existing|previous|prior|have been|has been|remains?|"
    r"challeng\w*|limited|suffer\w*|code|github|https?://|available at)\b"
)


def _score(sentence: str) -> float:
    """Contribution cues raise a sentence, background and follow-up cues lower it (the patterns
    are matched against the lowercased sentence, which is faster than case-folding)."""
    low = sentence.lower()
    score = 0.0
    speaks = "we " in low or "this " in low or "our " in low  # cheap test before the regexes
    if speaks and _PROPOSE.search(low):
        score += 4.0
    elif ("is " in low or "are " in low) and _PASSIVE.search(low):
        score += 3.5
    elif speaks and _FINDING.search(low):
        score += 2.5
    if score == 0.0:
        return 0.0
    if _HERE.search(low):
        score += 1.0
    if _NAMED.search(sentence):
        score += 0.5
    if _SECONDARY.search(low) or _ALSO.search(low):
        score -= 1.5
    if _BACKGROUND.search(low):
        score -= 0.5
    words = len(sentence.split())
    if words < 8 or words > 70:
        score -= 1.0
    return score


def pick_summary(text: str) -> str:
    """The abstract's most informative sentence, verbatim: the first one stating what the paper
    proposes, introduces or finds (contribution over background), else the first sentence."""
    spans = sentence_spans(text)
    if not spans:
        return text.strip()
    best_score, best = 0.0, spans[0]
    for span in spans:
        score = _score(text[span[0] : span[1]])
        if score > best_score:
            best_score, best = score, span
    return text[best[0] : best[1]]
