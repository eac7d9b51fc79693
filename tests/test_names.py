from __future__ import annotations

import pytest

from enrich.core.names import parse_author_line, plausible_name, split_glued


@pytest.mark.parametrize(
    ("line", "title", "first_author"),
    [
        # lower -> upper case change
        ("Task-agnostic Mask TrainingYuanxin Liu, Fandong Meng, Zheng Lin et al. · pku, tsinghua",
         "Task-agnostic Mask Training", "Yuanxin Liu"),
        # titles ending in an acronym
        ("A Benchmark for Shortcut Learning in VQAQingyi Si, Fandong Meng",
         "A Benchmark for Shortcut Learning in VQA", "Qingyi Si"),
        ("Correct-Set Turnover in RLVRChuanyu Qin, Chenxu Yang, Qingyi Si et al.",
         "Correct-Set Turnover in RLVR", "Chuanyu Qin"),
        ("Geometric calibration for human temporal bone CT ImageXiaoguang Li, Peng Fu",
         "Geometric calibration for human temporal bone CT Image", "Xiaoguang Li"),
        # titles ending in a hyphenated word, hyphenated author names
        ("Trust Region On-PolicyXingrun Xing, Haoqing Wang", "Trust Region On-Policy",
         "Xingrun Xing"),
        ("Towards Self-SupervisedZhi-Hong Deng, Haoqing Wang", "Towards Self-Supervised",
         "Zhi-Hong Deng"),
        ("Elastic MoE: Mixture-of-ExpertsNaibin Gu", "Elastic MoE: Mixture-of-Experts",
         "Naibin Gu"),
        # camel-case word before the names, punctuation at the end of the title
        ("BeamLoRA: Beam-Constraint BeamLoRANaibin Gu, Zhenyu Zhang",
         "BeamLoRA: Beam-Constraint BeamLoRA", "Naibin Gu"),
        ("Are Large Language Models Table-based Fact-Checkers?Hanwen Zhang, Qingyi Si",
         "Are Large Language Models Table-based Fact-Checkers?", "Hanwen Zhang"),
        ("Model v2Qingyi Si", "Model v2", "Qingyi Si"),
        # commas inside the title
        ("Learning to Solve, Forgetting to Retain: TurnoverChuanyu Qin, Chenxu Yang",
         "Learning to Solve, Forgetting to Retain: Turnover", "Chuanyu Qin"),
        # initials
        ("Deep Nets for TolkienJ. R. Smith, A. B. Jones", "Deep Nets for Tolkien", "J. R. Smith"),
        # inconsistent capitalization of a co-author
        ("On the ShoulderZheng-Peng Duan, Jiawei zhang, Zheng Lin et al.", "On the Shoulder",
         "Zheng-Peng Duan"),
    ],
)  # fmt: skip
def test_split_glued_on_case_cues(line: str, title: str, first_author: str) -> None:
    split = split_glued(line)
    assert split is not None
    assert split.title == title
    assert split.authors.authors[0] == first_author
    assert split.confident


def test_split_glued_keeps_truncation_and_affiliations() -> None:
    split = split_glued("Mask TrainingYuanxin Liu, Fandong Meng et al. · pku, tsinghua")
    assert split is not None
    assert split.authors.authors == ["Yuanxin Liu", "Fandong Meng"]
    assert split.authors.truncated
    assert split.authors.affiliations == ["pku", "tsinghua"]


def test_lower_case_names_use_the_files_vocabulary() -> None:
    split = split_glued("mask trainingyuanxin liu", vocabulary={"mask", "training"})
    assert split is not None
    assert split.title == "mask training"
    assert split.authors.authors == ["yuanxin liu"]


def test_lower_case_names_use_names_known_from_the_file() -> None:
    split = split_glued(
        "Task-agnostic Mask Trainingyuanxin liu, fandong meng", known_names={"yuanxin liu"}
    )
    assert split is not None
    assert split.title == "Task-agnostic Mask Training"
    assert split.confident


def test_an_empty_known_name_is_ignored() -> None:
    # a file line such as "Title, , Someone" leaves an empty name among the known ones
    split = split_glued(
        "Task-agnostic Mask Trainingyuanxin liu, fandong meng", known_names={"", "yuanxin wu"}
    )
    assert split is not None
    assert split.title == "Task-agnostic Mask Training"
    assert not split.confident  # a known first word only, not a known name


def test_lower_case_acronym_end() -> None:
    split = split_glued("Shortcut Learning in VQAqingyi si, fandong meng")
    assert split is not None
    assert split.title == "Shortcut Learning in VQA"
    assert split.authors.authors == ["qingyi si", "fandong meng"]


def test_unsplittable_line_gives_none() -> None:
    assert split_glued("A title with no author list at all: 3.5% better results.") is None


def test_plausible_names() -> None:
    assert plausible_name("Zhi-Hong Deng")
    assert plausible_name("Ludwig van Beethoven")
    assert plausible_name("Jiawei zhang")
    assert plausible_name("Conor McGregor")
    assert not plausible_name("Memory is an indispensable capability for agents")
    assert not plausible_name("TrainingYuanxin Liu")
    assert not plausible_name("n liu")


def test_parse_author_line() -> None:
    parsed = parse_author_line("Shibo Jie, Haoqing Wang, Zhi-Hong Deng · pku")
    assert parsed is not None
    assert parsed.authors == ["Shibo Jie", "Haoqing Wang", "Zhi-Hong Deng"]
    assert parsed.affiliations == ["pku"]
    assert not parsed.truncated
    assert (
        parse_author_line("Large Language Models (LLMs) must continuously learn, and adapt.")
        is None
    )
