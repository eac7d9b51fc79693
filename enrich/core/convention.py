"""What our labelling convention rules out, whoever extracted it.

`eval/GUIDELINES.md` labels names: a particular method, task, dataset or metric. Any backend
can return words that are in the abstract and still name nothing in particular — "none" for an
empty field, "the proposed framework", "three real-world datasets". Grounding cannot catch them
(they are found in the text), so these general English cues do; the offline tagger uses the same
lexicon. What is ruled out is reported with its reason, never silently dropped.
"""

from __future__ import annotations

import re


def _lexicon(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that, on their own, name no particular method, task, dataset or metric.
GENERIC = _lexicon(
    """
    method methods approach approaches model models framework frameworks technique techniques
    algorithm algorithms system systems task tasks problem problems dataset datasets data
    benchmark benchmarks corpus corpora performance result results experiment experiments
    network networks architecture architectures module modules baseline baselines component
    components strategy strategies scheme schemes mechanism mechanisms pipeline pipelines tool
    tools solution solutions setting settings scenario scenarios application applications
    downstream real-world novel new proposed existing previous prior current recent
    state-of-the-art sota various several different many multiple diverse extensive large small
    simple effective efficient standard popular common conventional traditional typical one two
    three four five six seven eight nine ten eleven twelve dozens numerous other others public
    widely-used well-known challenging representative comprehensive competitive strong work
    works paper study studies analysis way ways issue issues process domain domains field fields
    area areas key important general specific experimental empirical further additional overall
    baseline-based based same similar
    """
)
_DETERMINERS = _lexicon("a an the our their its this these those such both")

COUNT = re.compile(r"^(\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)$")

# What a model writes for "nothing of this kind" when told to leave the list empty.
_PLACEHOLDERS = frozenset(["none", "n/a", "na", "nil", "null", "unknown", "not mentioned", "-"])

# Plural heads that describe a collection of data rather than name one ("image datasets").
_COLLECTION_HEADS = _lexicon(
    "datasets benchmarks corpora tasks environments suites collections sets data"
)

_WORD = re.compile(r"[^\s,;:()\[\]\"']+")

# Quantities that open a description of data rather than a name ("multiple benchmark graphs").
_QUANTIFIERS = _lexicon("multiple several various many numerous diverse different")

# The head word of a phrase says which field it belongs to ("...networks": a method).
FIELD_HEADS: dict[str, frozenset[str]] = {
    "methods": _lexicon(
        """learning model network net filtering algorithm method attention transformer encoder
        decoder aggregation optimization distillation pruning quantization regularization
        fine-tuning tuning training pre-training sampling search augmentation prompting thought
        architecture framework mechanism loss embedding encoding decoding inference machine
        classifier policy estimator autoencoder gan adapter"""
    ),
    "tasks": _lexicon(
        """detection recognition classification segmentation translation answering retrieval
        tracking estimation prediction summarization parsing tagging extraction understanding
        reasoning recommendation captioning localization forecasting grounding reconstruction
        synthesis completion editing categorization"""
    ),
    "metrics": _lexicon(
        "rate score accuracy error ratio precision recall distance similarity divergence"
    ),
    "datasets": _lexicon("dataset benchmark corpus corpora suite"),
}
_TASK_PHRASE_HEADS = FIELD_HEADS["tasks"] | {"analysis"}  # "sentiment analysis"
_PARENTHESIS = re.compile(r"\s*\([^)]*\)\s*$")


def head_word(name: str) -> str:
    """The last word of a phrase before any closing parenthesis, lowercase and singular."""
    words = re.split(r"[\s\-]+", _PARENTHESIS.sub("", name).strip())
    word = words[-1].lower() if words else ""
    plural = word.endswith("s") and not word.endswith(("ss", "is", "us"))  # analysis, corpus
    return word[:-1] if plural else word


def _unmarked(name: str) -> bool:
    """No capital and no digit: a description, not a name (names of data are marked)."""
    return not any(c.isupper() or c.isdigit() for c in name)


def refield(field: str, name: str) -> str:
    """The field `name` belongs in when an answer put it elsewhere: a lowercase phrase headed
    by a task word ("sentiment analysis", "topic classification") listed as a dataset is a
    task."""
    if field == "datasets" and _unmarked(name) and head_word(name) in _TASK_PHRASE_HEADS:
        return "tasks"
    return field


def is_generic_phrase(words: list[str]) -> bool:
    """True when every word is generic or a count: the phrase names nothing in particular."""
    folded = [w.lower() for w in words]
    return bool(folded) and all(w in GENERIC or COUNT.match(w) for w in folded)


def _names_nothing(words: list[str]) -> bool:
    rest = [w for w in words if w.lower() not in _DETERMINERS]
    return not rest or is_generic_phrase(rest)


def rejection(field: str, name: str) -> str | None:
    """Why `name` is not an item of `field` under our convention, or None when it may be."""
    words = _WORD.findall(name)
    if not words or " ".join(words).lower() in _PLACEHOLDERS:
        return "a placeholder, not a name"
    if _names_nothing(words):
        return "generic words that name nothing in particular"
    if field == "datasets" and _describes_data(words, name):
        return "describes data without naming a dataset"
    return None


def _describes_data(words: list[str], name: str) -> bool:
    """ "image datasets", "multiple benchmark graphs", "real-world satellite networks": a
    collection head without a name, a quantity first, or several unmarked words."""
    first = words[0].lower()
    if first in _QUANTIFIERS or COUNT.match(first):
        return True
    if len(words) >= 2 and _unmarked(name):
        return True
    return words[-1].lower() in _COLLECTION_HEADS and not any(
        _name_like(word, i) for i, word in enumerate(words) if not COUNT.match(word)
    )


def _name_like(word: str, position: int) -> bool:
    """A digit or an inner capital ("WMT14", "GLUE", "mini-ImageNet"), or a capital that does
    not merely start the phrase."""
    if any(c.isdigit() for c in word) or any(c.isupper() for c in word[1:]):
        return True
    return position > 0 and word[:1].isupper()
