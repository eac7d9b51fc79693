"""The offline extractor's rules: claimed gains, the summary sentence and method roles.

Expectations are hand-written sentences, excerpts of sample-corpus abstracts that are not in the
eval set (checked by reading them), and the two worked prompt examples.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from enrich.core.grounding import value_in_text
from enrich.offline.gains import find_gains
from enrich.offline.roles import method_role
from enrich.offline.summary import pick_summary
from enrich.offline.tokens import sentence_spans

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = [  # two hand-labeled corpus abstracts (the earlier few-shot examples)
    json.loads(line)
    for line in (ROOT / "tests" / "fixtures" / "hand_labeled_examples.jsonl")
    .read_text()
    .splitlines()
    if line.strip()
]
OWN = "We propose Foo. "  # gains are only looked for once the abstract speaks of its own work


def gains_of(text: str) -> list[tuple[float, str | None, str]]:
    return [(g.value, g.unit, g.kind) for g in find_gains(text)]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Our method improves accuracy by 5.3% on ImageNet.", [(5.3, "%", "delta")]),
        ("It achieves +2.1 points over the previous best model.", [(2.1, "points", "delta")]),
        ("Foo outperforms BERT by 3.4 BLEU on WMT14.", [(3.4, None, "delta")]),
        ("It improves F1 by 4.2 percentage points.", [(4.2, "pp", "delta")]),
        ("It improves F1 by 4.2 pp over the strongest baseline.", [(4.2, "pp", "delta")]),
        ("Foo reduces memory by 40% compared with LoRA.", [(40, "%", "delta")]),
        ("Results show a 12% relative improvement in WER.", [(12, "%", "delta")]),
        ("Foo achieves 98.7% accuracy on CIFAR-10.", [(98.7, "%", "score")]),
        ("Our model reaches 45.2 mAP on COCO.", [(45.2, None, "score")]),
        ("It obtains a BLEU score of 26.80.", [(26.8, None, "score")]),
        ("It reduces inference latency to 12 ms per image.", [(12, "ms", "score")]),
        ("With only 0.1% of parameters trained, it matches full tuning.", [(0.1, "%", "score")]),
        ("Our method is 2.88x faster than FlashAttention.", [(2.88, "x", "ratio")]),
        ("It yields a 2.5$\\times$ speedup in inference.", [(2.5, "x", "ratio")]),
        ("Foo achieves up to 3.1\u00d7 acceleration.", [(3.1, "x", "ratio")]),
        ("Foo uses 3 times fewer parameters than ViT-L.", [(3, "x", "ratio")]),
        ("It gives a 10-fold speedup.", [(10, "x", "ratio")]),
        ("It runs 2-3$\\times$ faster than prior work.", [(3, "x", "ratio")]),  # range: upper
        ("Foo needs only 1/5 tokens of the baseline.", [(5, "x", "ratio")]),  # fraction
        (
            "It brings gains of +11.8 and +10.5 points on MMLU and GSM8K, respectively.",
            [(11.8, "points", "delta"), (10.5, "points", "delta")],
        ),
        (
            "On Llama 2 and Mistral, Foo improves accuracy by 3.1% and 2.5%.",  # "2" is a name
            [(3.1, "%", "delta"), (2.5, "%", "delta")],
        ),
        ("It raises accuracy 40.1\\% $\\rightarrow$ 45.3\\%.", [(45.3, "%", "score")]),
        # a measure named right before a bare number
        ("An ensemble further improved the macro-F1 to 0.90.", [(0.9, None, "score")]),
        # "<verb>ing only N%": a share of a cost the method uses
        (
            "Foo matches full tuning by updating only 1\\% of the training steps.",
            [(1, "%", "score")],
        ),
        # signed results in a list, even after a comparison in the sentence
        (
            "We obtain math (-8.0% relative to SOTA), code (+14.3%) and STEM (+24.5%).",
            [(8.0, "%", "delta"), (14.3, "%", "delta"), (24.5, "%", "delta")],
        ),
        ("It finds problematic questions with up to 84% precision.", [(84, "%", "score")]),
        (
            "Foo achieves a 0.01 drop on GenEval and a 0.26 decrease on DPG.",
            [(0.01, None, "delta"), (0.26, None, "delta")],
        ),
        (
            "It performs comparably despite using 2x to 30x fewer parameters.",
            [(30, "x", "ratio")],
        ),  # a range with units: its upper bound
        (
            "Relabeling lets our models achieve accuracy higher than 90% on both sets.",
            [(90, "%", "score")],
        ),
        ("Foo generates taxonomies that are 26.51% more coherent.", [(26.51, "%", "delta")]),
    ],
)
def test_gain_kinds_and_units(sentence: str, expected: list[tuple[float, str | None, str]]) -> None:
    assert gains_of(OWN + sentence) == expected


@pytest.mark.parametrize(
    "sentence",
    [
        "We evaluate on three datasets with 14k pairs and 200,000 skills.",  # setup counts
        "Our experiments involve 3 VLPs, 2 compression methods and 40 concepts.",
        "We train for 300 epochs on 8 GPUs with a mask ratio of 75%.",
        "In 2023, GPT-4 and Wan2.1 were released; SeedEdit 3.0 followed.",  # years, versions
        "We compare with ResNet-50, DiT-XL/2 and ViT-B/16 on VQA-CP v2.",  # names with numbers
        "We fine-tune 7B and 70B models with LoRA.",  # model sizes used as names
        "We set k = 5 and p > 0.5 and sample 50 steps.",  # hyperparameters, thresholds
        "As shown in prior work [12, 13], we use 4-bit weights and 16 heads.",  # citations
        "Existing methods only achieve 60% accuracy on this task.",  # other work's number
        "We study top-1 and top-5 accuracy under 10-fold cross-validation.",
        "Code: https://github.com/ab12/x2023.",
        "Clustering identifies 33 to 62 robust clusters.",  # a range of counts
        "We keep 20% training data and 10% noise in every split.",  # no measure follows
        "The student stacks 3 more layers than the teacher.",  # a count, no unit
    ],
)
def test_setup_numbers_are_not_gains(sentence: str) -> None:
    assert find_gains(OWN + sentence) == []


def test_background_numbers_before_the_contribution_are_not_gains() -> None:
    assert find_gains("Models fail in 40% of cases and reach 30% accuracy. " + OWN) == []


@pytest.mark.parametrize(
    "text",
    [
        OWN + "It achieves \\textbf{41--55\\%} token reduction.",
        OWN + "It achieves a $98.7\\%$ rate, compared to $55.2\\%$ for Bar.",
        OWN + "It raises accuracy from 80.1% to 85.3% and is 2x faster.",
    ],
)
def test_gain_text_is_an_exact_substring_holding_its_number(text: str) -> None:
    gains = find_gains(text)
    assert gains
    for gain in gains:
        assert gain.text in text
        assert value_in_text(gain.value, gain.text)


def test_gain_attributes_come_from_the_same_clause() -> None:
    [gain] = find_gains(OWN + "Foo outperforms BERT by 3.4 BLEU on WMT14.")
    assert (gain.metric, gain.baseline, gain.dataset) == ("BLEU", "BERT", "WMT14")
    assert gain.text == "outperforms BERT by 3.4 BLEU"
    [gain] = find_gains(OWN + "It raises accuracy from 80.1% to 85.3% on SST-2.")
    assert (gain.value, gain.baseline_value, gain.kind) == (85.3, 80.1, "score")
    assert (gain.metric, gain.dataset) == ("accuracy", "SST-2")
    [gain] = find_gains(OWN + "It improves F1 by 4.2 points.")
    assert gain.baseline is None and gain.dataset is None


# Excerpts of sample-corpus abstracts outside the eval set, with the gains read by hand.
EDRM = (
    "Based on these insights, we propose \\textbf{EDRM}, a training-free routing framework. "
    "Across 15 benchmarks and 4 LLMs of varying scales, EDRM consistently outperforms static "
    "baselines. At the dataset level, EDRM achieves \\textbf{41--55\\%} token reduction while "
    "improving accuracy with as few as 50 calibration samples. At the instance level, it further "
    "improves accuracy by up to \\textbf{4.7\\%} while maintaining \\textbf{27--45\\%} token "
    "savings."
)
BORT = (
    "We evaluate our approach on CIFAR-10, CIFAR-100 and SVHN against $\\ell_{\\infty}$ "
    "norm-bounded perturbations of size $\\epsilon= 8/255$, respectively. Compared to all methods "
    "that do not use additional data for training, our models achieve 67.3\\% and 41.5\\% robust "
    "accuracy on CIFAR-10 and CIFAR-100 (improving upon the state-of-the-art by +7.23\\% and "
    "+9.07\\%)."
)
NAT = (
    "In particular, for the WMT14 En-De dataset, our model obtains a BLEU score of 26.80, which "
    "largely outperforms the previous non-autoregressive baselines and is only 0.61 lower in BLEU "
    "than purely autoregressive models."
)
COST_EFF = (
    "Experiments are conducted on GLUE benchmark and the results verify the Pareto optimality of "
    "our approach at high compression and acceleration rate with 1/8 parameters and 1/19 FLOPs "
    "of BERT."
)


def test_corpus_excerpts() -> None:
    assert gains_of(EDRM) == [(55, "%", "delta"), (4.7, "%", "delta"), (45, "%", "delta")]
    assert [g.metric for g in find_gains(EDRM)] == ["token reduction", "accuracy", "token savings"]
    bort = find_gains(BORT)
    assert gains_of(BORT) == [
        (67.3, "%", "score"),
        (41.5, "%", "score"),
        (7.23, "%", "delta"),
        (9.07, "%", "delta"),
    ]
    assert [g.dataset for g in bort] == ["CIFAR-10", "CIFAR-100"] * 2
    assert {g.metric for g in bort} == {"robust accuracy"}
    assert bort[2].baseline == "state-of-the-art"
    nat = find_gains(NAT)
    assert gains_of(NAT) == [(26.8, None, "score"), (0.61, None, "delta")]
    assert nat[0].dataset == "WMT14 En-De"
    assert (nat[1].metric, nat[1].baseline) == ("BLEU", "purely autoregressive models")
    assert gains_of(COST_EFF) == [(8, "x", "ratio"), (19, "x", "ratio")]


@pytest.mark.parametrize(
    "sentence",
    [
        "We first assemble a dataset, called R2C7K, which consists of 7K images covering 64 "
        "object categories.",
        "Our framework requires only small-scale models (e.g., 4B parameters) to perform well.",
        "This is due to the limited contact time with satellites (e.g. 5 minutes).",
        "We demonstrate that (1) 1/4 of features directly predict output tokens.",
        "This paper introduces the Foo proposed by Bar, which wins the 2nd place.",
    ],
)
def test_corpus_non_gains(sentence: str) -> None:
    assert find_gains(sentence) == []


def test_prompt_examples() -> None:
    poster, adapters = EXAMPLES
    [gain] = find_gains(poster["text"])
    [hand] = poster["output"]["gains"]
    for field in ("metric", "value", "unit", "kind", "baseline", "baseline_value", "dataset"):
        assert getattr(gain, field) == hand[field], field
    assert gain.text in poster["text"] and "98.7" in gain.text
    assert find_gains(adapters["text"]) == []  # "1-bit", "VTAB-1K" are names, not results


def test_summary_picks_the_proposing_sentence() -> None:
    poster = EXAMPLES[0]["text"]
    assert pick_summary(poster).startswith("We present SimplePoster, a simple yet effective")
    text = (
        "Large models are costly. However, existing methods are slow. "
        "In this paper, we propose Foo, a fast method. Foo is 2x faster."
    )
    assert pick_summary(text) == "In this paper, we propose Foo, a fast method."
    assert pick_summary(EDRM).startswith("Based on these insights, we propose")
    assert (
        pick_summary("Transformers dominate NLP. They scale well.") == "Transformers dominate NLP."
    )
    assert pick_summary("  One sentence without a stop  ") == "One sentence without a stop"
    for example in EXAMPLES:
        assert pick_summary(example["text"]) in example["text"]


def test_sentences_do_not_split_at_abbreviations_or_decimals() -> None:
    text = "We use e.g. 5 minutes of data et al. report. It reaches 26.80 BLEU. Next one."
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "We use e.g. 5 minutes of data et al. report.",
        "It reaches 26.80 BLEU.",
        "Next one.",
    ]
    glued = "no datasets.To enable this, we"
    assert len(sentence_spans(glued)) == 2


def role(text: str, name: str, occurrence: int = 0) -> str:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(name, start + 1)
    return method_role(text, start, start + len(name))


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("We propose FooNet, a graph model.", "FooNet", "proposed"),
        ("In this paper we introduce a method named BarGAN for editing.", "BarGAN", "proposed"),
        ("Our CoRP removes noise.", "CoRP", "proposed"),
        ("Table 1 compares BERT with FooNet (ours).", "FooNet", "proposed"),
        ("FooNet outperforms BERT by 3 points.", "BERT", "baseline"),
        ("FooNet outperforms BERT by 3 points.", "FooNet", "proposed"),
        ("It is faster than FlashAttention.", "FlashAttention", "baseline"),
        ("We compared with LoRA on GLUE.", "LoRA", "baseline"),
        ("The conventional full fine-tuning is costly.", "full fine-tuning", "baseline"),
        ("We add a ResNet baseline.", "ResNet", "baseline"),
        ("Our model is built on LLaMA.", "LLaMA", "used"),
        ("We encode text using BERT.", "BERT", "used"),
        ("We fine-tune it via LoRA.", "LoRA", "used"),
        ("Transformers are popular.", "Transformers", "used"),
        ("We introduce SteerEval, a benchmark for evaluating LLMs.", "LLMs", "used"),
    ],
)
def test_method_roles(text: str, name: str, expected: str) -> None:
    assert role(text, name) == expected


def test_role_holds_across_mentions_and_matches_the_prompt_example() -> None:
    text = "We propose FooNet. Experiments show that FooNet is accurate."
    assert role(text, "FooNet", 1) == "proposed"  # proposed in its first sentence
    poster = EXAMPLES[0]
    for method in poster["output"]["methods"]:
        if method["name"] in ("SimplePoster", "ControlNet", "SeedEdit 3.0", "PosterMaker"):
            assert role(poster["text"], method["name"]) == method["role"], method["name"]
