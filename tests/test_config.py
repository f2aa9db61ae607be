import pytest

from paperline.config import build, parse_sets
from paperline.errors import ConfigError
from paperline.papers import all_papers, get_paper
from paperline.runner import pipeline_arguments
from paperline.train import FaceTrainConfig


def test_sets_are_typed_by_the_config():
    cfg = build(FaceTrainConfig, parse_sets(["epochs=3", "lr=0.05", "adaptive=false", "milestones=0.5,0.8"]))
    assert (cfg.epochs, cfg.lr, cfg.adaptive, cfg.milestones) == (3, 0.05, False, [0.5, 0.8])


def test_non_numeric_parameter_names_the_parameter():
    with pytest.raises(ConfigError, match="parameter 'lr' expects float, got 'fast'"):
        build(FaceTrainConfig, {"lr": "fast"})


def test_unknown_parameter_lists_the_valid_ones():
    with pytest.raises(ConfigError, match="unknown parameter 'lrr'.*valid parameters: .*lr"):
        get_paper("mv-softmax").split_overrides({"lrr": "1"})


def test_malformed_set():
    with pytest.raises(ConfigError, match="key=value"):
        parse_sets(["epochs"])


def test_unknown_paper_lists_the_valid_ones():
    with pytest.raises(ConfigError, match="valid papers: mv-softmax, x2-softmax"):
        get_paper("mv-sofmax")


def test_pipeline_arguments_split_and_validate():
    args = pipeline_arguments(get_paper("mv-softmax"), {"data_path": "/d", "epochs": "2", "head": "arcface"})
    assert args == {"data_path": "/d", "config": {"epochs": "2", "head": "arcface"}}
    with pytest.raises(ConfigError, match="unknown head"):
        pipeline_arguments(get_paper("mv-softmax"), {"head": "nope"})


def test_every_paper_has_an_arxiv_id():
    papers = all_papers()
    assert len(papers) == 13 and all(p.arxiv for p in papers.values())
    assert [p.name for p in papers.values() if p.runs] == ["mv-softmax", "x2-softmax", "search-softmax", "mhlr",
                                                             "f2c", "poseface", "jd-landmark", "lapa",
                                                             "kdctime", "swing"]
