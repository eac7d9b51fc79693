"""The role of a method mention: proposed by the paper, a baseline it beats, or a tool it uses.

Abstracts signal roles with a small set of constructions ("we propose X", "our X", "X (ours)",
"outperforms X", "prior X", "based on X"), so the nearest such cue in the mention's sentence
decides. A method proposed anywhere in the abstract stays proposed at its other mentions, since
the role belongs to the method, not to one sentence about it.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache

from enrich.core.schema import MethodRole
from enrich.offline.tokens import sentence_spans

_TAIL_WORD = re.compile(r"[A-Za-z][\w\-]*")
# Words right before a mention: "our X", "the proposed X", "named X" / "prior X", "vanilla X".
_OUR_WORDS = frozenset({"our", "ours", "proposed"})
_NAMING_WORDS = frozenset({"called", "named", "dubbed", "termed", "coined", "namely", "denoted"})
_PRIOR_WORDS = frozenset(
    re.findall(
        r"[\w\-]+",
        "prior previous existing conventional traditional standard vanilla original competing "
        "strong state-of-the-art sota classic classical popular mainstream other current",
    )
)
_OURS_AFTER = re.compile(
    r"[}$\s]*\(\s*(?:ours|our\s+\w+)\s*\)"
    r"|[\s)]*(?:\([^)]*\)\s*)?(?:[\w\-]+\s+){0,2}?,?\s*(?:is|are)\s+(?:\w+ly\s+)?"
    r"(?:propos|introduc|present|develop)ed\b",
    re.IGNORECASE,
)
_BASELINE_AFTER = re.compile(r"[\s\-]*(?:baselines?|(?:based\s+)?alternatives)\b", re.IGNORECASE)
_CUES = re.compile(
    r"\b(?P<proposed>propos\w*|introduc\w*|present\w*|develop\w*|design\w*|devis\w*"
    r"|put\s+forward|contribut\w*|formulat\w*)"
    r"|\b(?P<baseline>outperform\w*|surpass\w*|beat\w*|exceed\w*|compared?\s+(?:to|with|against)"
    r"|comparisons?\s+(?:to|with|against)|than|over|versus|vs\.?|against|relative\s+to|unlike"
    r"|in\s+contrast\s+to|instead\s+of|replac\w*|superior\s+to)"
    r"|\b(?P<used>built\s+(?:on|upon)|based\s+on|build\w*\s+(?:on|upon)|on\s+top\s+of|using|uses?"
    r"|used|with|via|adopt\w*|leverag\w*|employ\w*|utiliz\w*|appl(?:y|ies|ied|ying)|through"
    r"|incorporat\w*|integrat\w*|extend\w*|following|inspired\s+by|initiali[sz]\w*|plug\w*"
    r"|equipp\w*|combin\w*|rel(?:y|ies|ying)\s+on)\b"
)
_WE = re.compile(r"\b(?:we|this\s+(?:paper|work|study|article|letter)|here)\b")
_OTHERS = re.compile(
    r"\b(?:prior|previous|existing|recent|earlier|other|they|these)\s+(?:\w+\s+)?"
    r"(?:works?|methods?|studies|approaches|models|papers|researchers|systems)\b"
)
# Past the object of "we propose": "we introduce SteerEval, a benchmark for evaluating LLMs".
_OBJECT_END = re.compile(
    r"\b(?:for|to|that|which|who|whose|with|by|in|on|from|between|across|into|over|under|when"
    r"|where|while|using|via|through|of|and\s+(?:\w+\s+)?(?:\w+s|\w+ed))\b|[;:]",
    re.IGNORECASE,
)
_WINS_AFTER = re.compile(
    r"[}$\s]*(?:\([^)]*\)\s*)?(?:\w+ly\s+)?(?:outperform|surpass|beat|exceed)\w*", re.IGNORECASE
)
_RANK: dict[MethodRole | None, int] = {"proposed": 3, "baseline": 2, "used": 1, None: 0}


def _sentence(text: str, start: int) -> tuple[int, int]:
    spans = sentence_spans(text)
    i = bisect_right(spans, (start, len(text) + 1)) - 1
    if i >= 0 and spans[i][0] <= start < spans[i][1]:
        return spans[i]
    return 0, len(text)


@lru_cache(maxsize=1024)
def _local(text: str, start: int, end: int) -> MethodRole | None:
    """The role the mention's own sentence gives it, or None when no cue speaks to it."""
    s_start, s_end = _sentence(text, start)
    clause = max(s_start, text.rfind(";", s_start, start) + 1)
    tail = [w.lower() for w in _TAIL_WORD.findall(text, max(clause, start - 50), start)]
    after = text[end : min(s_end, end + 80)]
    if _OUR_WORDS.intersection(tail[-4:]) or _NAMING_WORDS.intersection(tail[-2:]):
        return "proposed"
    if _OURS_AFTER.match(after):
        return "proposed"
    if _PRIOR_WORDS.intersection(tail[-2:]) or _BASELINE_AFTER.match(after):
        return "baseline"
    low = text[s_start:start].lower()  # cue regexes are case-sensitive over lowercase: faster
    cues = list(_CUES.finditer(low, max(clause - s_start, len(low) - 160)))
    cue = cues[-1] if cues else None
    others = bool(_OTHERS.search(low)) and not _WE.search(low)
    if cue is None:
        return "proposed" if _WINS_AFTER.match(after) else "baseline" if others else None
    if cue.lastgroup == "proposed":
        between = low[cue.end() :]
        if _OBJECT_END.search(between) or len(between.split()) > 12:
            return None
        return "proposed" if _WE.search(low, 0, cue.start()) and not others else None
    return "baseline" if cue.lastgroup == "baseline" or others else "used"


def _occurrences(text: str, name: str) -> list[int]:
    """Starts of `name` in text as a whole token (not inside "BeamLoRA" or "LoRA-2")."""
    found: list[int] = []
    pos = text.find(name)
    while pos >= 0:
        left = text[pos - 1] if pos else " "
        right = text[pos + len(name)] if pos + len(name) < len(text) else " "
        if not (left.isalnum() or left == "-" or right.isalnum() or right == "-"):
            found.append(pos)
        pos = text.find(name, pos + 1)
    return found


def method_role(text: str, start: int, end: int) -> MethodRole:
    """ "proposed" | "baseline" | "used" for the method mentioned at text[start:end]: the
    strongest role any mention of the same name gets (proposed > baseline > used)."""
    role = _local(text, start, end)
    name = text[start:end]
    if role != "proposed" and name.strip():
        for other in _occurrences(text, name):
            if other != start:
                found = _local(text, other, other + len(name))
                role = found if _RANK[found] > _RANK[role] else role
                if role == "proposed":
                    break
    return role or "used"
