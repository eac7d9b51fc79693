"""Claimed quantitative gains, found by rules.

A number is a gain only when the abstract states it as a result: a result cue (achieve, improve,
outperform, reduce, "by", a comparative after it) governs it in its clause and it is not part of
a name, a setup count, a year, a threshold or another system's score. The cues are linguistic,
not lists of names, so they carry over to abstracts never seen.
"""

from __future__ import annotations

import re

from enrich.core.schema import GainKind, ModelGain
from enrich.offline.stated_numbers import Num, groups, mentions
from enrich.offline.tokens import sentence_spans

_DIGIT = re.compile(r"[0-9]")
_CLAUSE_STOP = re.compile(r"[;:]|\b(?:whereas|while|but|although)\b|, which\b")
# Result cues; the last one before a number decides what kind of claim it states.
_CUE = re.compile(
    r"\b(?P<base>compared\s+(?:to|with)|in\s+comparison\s+(?:to|with)|than|versus|vs\.?"
    r"|relative\s+to|against)\b|\b(?P<beat>outperform\w*|surpass\w*|exceed\w*|beat\w*)"
    r"|\b(?P<delta>improv\w*|boost\w*|gain\w*|increas\w*|rais(?:e|es|ed|ing)\b|enhanc\w*"
    r"|lift\w*|reduc\w*|decreas\w*|lower(?:s|ed|ing)\b|cut(?:s|ting)?\b|sav(?:e|es|ed|ing)\b"
    r"|shrink\w*|compress(?:es|ed|ing)?\b|accelerat\w*|speed(?:s|ing)?[\s-]+up|speedups?"
    r"|advanc\w*|mitigat\w*|alleviat\w*|drop\w*|declin\w*|by)\b"
    r"|\b(?P<score>achiev\w*|attain\w*|obtain\w*|reach\w*|scor(?:es|ed|ing)\b|record\w*"
    r"|deliver\w*|yield\w*|maintain\w*|retain\w*|preserv\w*|recover\w*|establish\w*|ranks?"
    r"|sets?\s+(?:a\s+)?new|result\w*\s+in|leads?\s+to|giv(?:e|es|ing)\b|gave|report\w*"
    r"|(?:with|requir\w*|need\w*|us\w*|cost\w*|tak\w*|consum\w*|\w+ing)\s+(?:only|just|merely))"
    r"|(?P<nominal>\b(?:(?!(?:of|the|an?|with|and|in|on)\s)[\w\-]+\s+)?(?:accuracy|precision|recall|F1|F-?score|F-?measure|AUC"
    r"|error\s+rate|success\s+rate|score|performance|rate)\s+(?:of|is|was|=|:)(?=[\s$\{a-z\\]*$))",
    re.IGNORECASE,
)
_AFTER_DELTA = re.compile(
    r"\s*(?:\w+\s+){0,2}?(?:improvement|gain|increase|decrease|reduction|boost|drop|saving"
    r"|higher|lower|better|worse|fewer|less|smaller|faster|slower|cheaper|speed-?ups?"
    r"|acceleration)",
    re.IGNORECASE,
)
_COMPARATIVE = re.compile(
    r"\s*(?:higher|lower|better|worse|more|fewer|less|smaller|larger|faster|slower|cheaper)\b"
)
_MODIFIER = re.compile(
    r"(?:\b(?:up\s+to|over|(?:more|higher|greater|better)\s+than|nearly|almost|about|around"
    r"|approximately|roughly|at\s+"
    r"least|as\s+(?:much|high|many)\s+as|only|just|merely|an\s+average\s+of|on\s+average"
    r"|approximate(?:ly)?|estimated)\s+"
    r"|[~\u223c\u2248]\s*|\\textbf\{|\\mathbf\{|\$|\{)+$",
    re.IGNORECASE,
)
_OTHER_WORK = re.compile(
    r"\b(?:prior|previous|existing|baselines?|competing|conventional|traditional|other|current"
    r"|recent|state-of-the-art|SOTA|humans?)\b",
    re.IGNORECASE,
)
_OWN_WORK = re.compile(
    r"\b(?:we|our|ours|proposed|this (?:paper|work|study|article)|(?:is|are) introduced)\b",
    re.IGNORECASE,
)
_SETUP_GERUND = re.compile(r"\b(?:by|when|after|through|via|while)\s+\w+ing\b(?![^.]*\bby\b)")
_BASE_BETWEEN = re.compile(r"\b(?:over|than|compared\s+(?:to|with)|versus|vs\.?|against)\b")
_PHRASE_WORD = re.compile(r"[ \t]*([A-Za-z][\w\-@]*(?:\.\d+)*|\d+(?:\.\d+)*(?![\w%]))")
_LEAD = re.compile(r"[ \t]*(?:(?:a|an|the|its|their|our|little|significantly)\s+)+")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_STOP = _words(
    "on in over than compared with and or for across while when to at of by from beyond upon "
    "respectively is are was were be been can could may will would has have which that as "
    "against under using vs versus the a an its their per our this these it according due"
)
_METRIC_WORDS = _words(
    "accuracy precision recall score f1 auc bleu rouge meteor cider map miou iou fid psnr ssim "
    "lpips perplexity em wer cer error rate ndcg mrr mae rmse mse correlation reward flops "
    "latency throughput memory parameters params speed speedup loss dice"
)
_MEASURE_BEFORE = re.compile(r"([A-Za-z][\w\-]*)\s+(?:(?:of|to|is|was|reaches|=|:)\s+)?$")
_DATA_HEAD = _words("dataset datasets benchmark benchmarks corpus split test set")
_DELTA_NOUNS = re.compile(
    r"^(?:(?:absolute|relative|average)\s*)+|(?:^|\s+)(?:improvement|gain)s?$"
)
_INTO = re.compile(r"(?:improvement|gain|increase|boost|reduction|decrease|drop)s?$")
_IN = re.compile(r"\s+in\s+")
_GENERIC = re.compile(
    r"^(?:(?:the|all|other|strong|existing|competitive|several|many|state-of-the-art|sota)\s+)*"
    r"(?:baselines?|methods?|models?|approaches|performance|results?)$",
    re.IGNORECASE,
)
_NAME_TOKEN = re.compile(r"[ \t]*([A-Za-z][\w\-]*(?:\.\d+)*)")
_DATASET = re.compile(r"\b(?:on|in|across|for|over|at)\s+(?:the\s+)?(?=[A-Za-z])")
_COORD = re.compile(r"\s*(?:,\s*(?:and\s+)?|and\s+)")
_BASELINE = re.compile(
    r"\b(?:than|over|upon|beyond|compared\s+(?:to|with)|relative\s+to|versus|vs\.?|against"
    r"|outperform\w*|surpass\w*|beat\w*|exceed\w*)\s+(?:the\s+|all\s+)*",
    re.IGNORECASE,
)


def _phrase(text: str, start: int, limit: int, size: int = 5) -> tuple[str | None, int]:
    """A short noun phrase at text[start:] ending before a function word or punctuation, and
    where its words end (start when there are none); "relative ... improvement" is dropped."""
    words: list[str] = []
    pos = end = start
    if lead := _LEAD.match(text, pos, limit):
        pos = lead.end()
    while len(words) < size and (m := _PHRASE_WORD.match(text, pos, limit)):
        word = m.group(1).lower()
        if (
            word in _STOP
            or (not words and word[0].isdigit())
            or (word == "relative" and text.startswith(" to", m.end()))
        ):
            break
        words.append(m.group(1))
        pos = end = m.end()
    return _DELTA_NOUNS.sub("", " ".join(words)).strip() or None, end


def _name_like(w: str) -> bool:
    """BLEU, mAP, F1, CIFAR-10, ImageNet; not plurals of acronyms ("LLMs") or plain words."""
    caps = sum(c.isupper() for c in w)
    plural = len(w) > 1 and w.endswith("s") and w[-2].isupper()
    return not plural and (caps >= 2 or (caps == 1 and any(c.isdigit() for c in w)))


def _metric_like(phrase: str) -> bool:
    return any(w.lower() in _METRIC_WORDS or _name_like(w) for w in phrase.split())


def _datasets(text: str, lo: int, hi: int) -> list[str]:
    """Names after on/in/across ("on CIFAR-10 and CIFAR-100"); a lone name that modifies a noun
    ("SI recognition", "Llama-3 models") is not a dataset."""
    for m in _DATASET.finditer(text, lo, hi):
        names: list[str] = []
        pos = m.end()
        while True:
            tokens: list[str] = []
            while (t := _NAME_TOKEN.match(text, pos, hi)) and _name_like(t.group(1)):
                tokens.append(t.group(1))
                pos = t.end()
            nxt = _PHRASE_WORD.match(text, pos, hi)
            word = nxt.group(1).lower() if nxt else ""
            modifier = word.isalpha() and word not in _STOP and word not in _DATA_HEAD
            if not tokens or (modifier and not names):
                break
            names.append(" ".join(tokens))
            if not (coord := _COORD.match(text, pos, hi)):
                break
            pos = coord.end()
        if names:
            return names
    return []


def _baseline(text: str, lo: int, hi: int) -> str | None:
    for m in _BASELINE.finditer(text, lo, hi):
        phrase, _ = _phrase(text, m.end(), hi, 6)
        if phrase and not _GENERIC.match(phrase):
            return phrase
    return None


def _base_between(between: str) -> bool:
    """A comparison word before the number that no comma or "and" separates from it."""
    bases = list(_BASE_BETWEEN.finditer(between))
    return bool(bases) and not re.search(
        r",|\b(?:and|is|are|was|were|by)\b", between[bases[-1].end() :]
    )


def _unitless_ok(text: str, group: list[Num], clause: int, head: int, after: str) -> bool:
    """A bare number is a result only as "45.2 mAP", "a BLEU score of 26.80", "0.61 lower",
    "from 80.1 to 85.3" or "by 2.1"; bare integers are mostly counts of the setup."""
    metric = _phrase(text, group[-1].end, group[-1].end + 40)[0]
    if metric and _metric_like(metric):
        return True
    if _COMPARATIVE.match(after) or group[0].from_value is not None:
        return True
    decimal = any("." in text[n.start : n.end] for n in group)
    if decimal and _AFTER_DELTA.match(after):
        return True  # "a 0.26 decrease on DPG"
    before = text[max(clause, head - 40) : head]
    of = re.search(r"(?:\bby|\b(?:score|[A-Z][\w\-]*|rate)\s+of)\s*$", before)
    if decimal and of is not None:
        return True
    # a measure right before the number: "macro-F1 to 0.90", "val loss 2.3074", "FID 3.1"
    named = _MEASURE_BEFORE.search(before)
    return named is not None and _metric_like(named.group(1))


def _claim(text: str, group: list[Num], clause: int, floor: int, sent_end: int) -> list[ModelGain]:
    """The gains of one group of coordinated numbers, or [] when it states no own result."""
    first, last = group[0], group[-1]
    mod = _MODIFIER.search(text, max(clause, first.start - 40), first.start)
    head = mod.start() if mod else first.start
    cues = [c for c in _CUE.finditer(text, clause, first.start) if c.start() < head]
    cue = cues[-1] if cues else None
    verb = next((c for c in reversed(cues) if c.group(0).lower() != "by"), None)
    nominal = cue if cue is not None and cue.lastgroup == "nominal" else None
    if nominal and (verb := next((c for c in cues if c.end() > nominal.start() - 12), None)):
        verb = verb if verb.lastgroup != "nominal" else None  # "obtains a BLEU score of"
    after = text[last.end : min(sent_end, last.end + 80)]
    between = text[cue.end() : head] if cue and cue.end() <= head else ""
    signed = text[first.start] == "+" and last.unit is not None  # "reasoning (+4.0%)"
    based = cue is not None and (cue.lastgroup == "base" or _base_between(between))
    if first.from_value is None and based and not signed:
        return []  # another system's number ("compared to 55.2% for X")
    comparative = _COMPARATIVE.match(after)
    measured = last.unit is not None and _metric_like(_phrase(text, last.end, sent_end)[0] or "")
    delta_after = _AFTER_DELTA.match(after) is not None
    # "26.51% more coherent", "a 12% gain": a unit and a comparison after the number
    compared = (last.unit is not None and (delta_after or comparative is not None)) or (
        delta_after and comparative is not None
    )
    if cue is None and not (signed or measured or compared):
        return []
    if (anchor := verb or nominal) is not None:
        subject = text[max(clause, text.rfind(",", clause, anchor.start()) + 1) : anchor.start()]
        if _OTHER_WORK.search(subject) and not _OWN_WORK.search(subject):
            return []
        if _SETUP_GERUND.search(text, anchor.end(), first.start):
            return []
    if (
        last.unit is None
        and not first.fraction
        and not _unitless_ok(text, group, clause, head, after)
    ):
        return []
    by = cue is not None and cue.group(0).lower() == "by"
    of = re.match(r"[ \t]+of\s+(?:the\s+)?", after) and not _AFTER_DELTA.match(after)
    kind: GainKind = "ratio" if last.unit == "x" else "score"
    level = first.from_value is not None or re.search(r"\bto\s*$", text[head - 8 : head])
    if kind == "score" and not (of or level):
        beats = cue is not None and cue.lastgroup in ("delta", "beat")
        signs = text[first.start] in "+-\u2212\u00b1"
        if delta_after or comparative or by or signs or beats:
            kind = "delta"
    # The metric: after the number ("98.7% accuracy", "0.61 lower in BLEU", "a 12% gain in
    # WER"), else between the verb and the number ("improves accuracy by 4.7%").
    skip = re.match(r"\s*\w+\s+(?:in\s+)?" if comparative else r"[ \t]+of\s+(?:the\s+)?", after)
    offset = last.end + (skip.end() if skip else 0)
    metric, end = _phrase(text, offset, sent_end)
    if end == offset:
        end = last.end + (comparative.end() if comparative else 0)
    into = _IN.match(text, end)
    if into and (metric is None or _INTO.search(text, offset, end)) and end > offset:
        metric, end = _phrase(text, into.end(), sent_end)  # "a 12% improvement in WER"
    if metric is None and nominal is not None:
        metric = _phrase(text, nominal.start(), nominal.end())[0]  # "a precision of 96%"
    elif metric is None and verb is not None and verb.lastgroup in ("delta", "score"):
        metric = _phrase(text, verb.end(), cue.start() if by and cue else head)[0]
    if (
        metric is None
        and into
        and _metric_like((m := _phrase(text, into.end(), sent_end))[0] or "")
    ):
        metric, end = m  # "by up to 20% in MRR"
    if metric is not None and (_GENERIC.match(metric) or metric.lower() in _STOP):
        metric = None
    start = head
    if verb is not None and verb.start() >= floor and first.start - verb.start() <= 90:
        if verb.lastgroup != "base" and not (comparative and re.search(r",|\band\b", between)):
            start = verb.start()
    elif (by or nominal) and cue is not None and cue.start() >= floor:
        start = cue.start()
    stop = re.compile(r"[,;(]").search(text, end, sent_end)
    after_end = stop.start() if stop else sent_end
    baseline = _baseline(text, last.end, after_end)
    if baseline is None and verb is not None:
        baseline = _baseline(text, max(verb.start(), floor), first.start)
    sets = _datasets(text, end, after_end) or _datasets(text, clause, first.start)
    return [
        ModelGain(
            metric=metric,
            value=num.value,
            unit=num.unit,
            kind=kind,
            baseline=baseline,
            baseline_value=num.from_value,
            dataset=sets[i] if len(sets) == len(group) else sets[0] if len(sets) == 1 else None,
            text=text[start:end].rstrip(" ,"),
        )
        for i, num in enumerate(group)
    ]


def _attach_baseline(text: str, gain: ModelGain, num: Num, s_end: int) -> None:
    """ "..., compared to 55.2% for SeedEdit 3.0": that number and name go to the gain before."""
    if _base_between(text[max(0, num.start - 40) : num.start]):
        gain.baseline_value = num.value
        m = re.compile(r"[\s$}]*(?:for|of|by|from)\s+").match(text, num.end, s_end)
        if m and gain.baseline is None:
            gain.baseline = _phrase(text, m.end(), s_end, 4)[0]


def find_gains(text: str) -> list[ModelGain]:
    """Every number the abstract states as a result of its own work, one item per number."""
    gains: list[ModelGain] = []
    if not _DIGIT.search(text):
        return gains
    first_own = _OWN_WORK.search(text)  # numbers before the abstract speaks of its own work
    own_from = first_own.start() if first_own else 0  # are background
    for s_start, s_end in sentence_spans(text):
        if s_end <= own_from or not _DIGIT.search(text, s_start, s_end):
            continue
        first_gain, floor = len(gains), s_start
        for group in groups(text, mentions(text, s_start, s_end)):
            clause = s_start
            for stop in _CLAUSE_STOP.finditer(text, s_start, group[0].start):
                clause = stop.end()
            found = _claim(text, group, clause, floor, s_end)
            if found:
                floor = group[-1].end
            elif len(gains) > first_gain and gains[-1].baseline_value is None:
                _attach_baseline(text, gains[-1], group[0], s_end)
            for gain in found:
                if gain.metric is None and len(gains) > first_gain:
                    gain.metric = gains[-1].metric  # "(improving ... by +7.23%)": same measure
            gains.extend(found)
    return gains
