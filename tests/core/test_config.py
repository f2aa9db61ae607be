import pytest

from paperline.core.config import build, parse_sets
from paperline.core.errors import ConfigError
from paperline.core.papers import all_papers, get_paper
from paperline.face.train import FaceTrainConfig
from paperline.runner import pipeline_arguments


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
    with pytest.raises(ConfigError, match="valid papers: mv-softmax, search-softmax"):
        get_paper("mv-sofmax")


def test_pipeline_arguments_split_and_validate():
    args = pipeline_arguments(get_paper("mv-softmax"), {"data_path": "/d", "epochs": "2", "head": "arcface",
                                                        "milestones": "0.5,0.8", "adaptive": "no"})
    assert args == {"data_path": "/d", "epochs": 2, "head": "arcface", "milestones": [0.5, 0.8], "adaptive": False}
    with pytest.raises(ConfigError, match="unknown head"):
        pipeline_arguments(get_paper("mv-softmax"), {"head": "nope"})
    with pytest.raises(ConfigError, match="'epochs' expects int, got '2.5'"):
        pipeline_arguments(get_paper("mv-softmax"), {"epochs": "2.5"})
    with pytest.raises(ConfigError, match="'model_name' contains a line break"):
        pipeline_arguments(get_paper("mv-softmax"), {"model_name": "a\nepochs=99"})


def test_the_params_text_a_component_gets_reads_back_to_the_same_config_and_run_name():
    """What kfp.local and the backend hand a component: every value as text, integers as '8.0', lists
    as JSON; the component rebuilds the same typed config, and the run name lists what differs."""
    from paperline.core.config import params_text

    paper = get_paper("mv-softmax")
    values = {**{k: p.default for k, p in paper.parameters().items()}, "epochs": "3.0", "milestones": "[0.5, 0.9]",
              "adaptive": "true", "data_rev": "v2", "data_repo": "/somewhere"}
    cfg, name = paper.configure(params_text(values))
    assert (cfg.epochs, cfg.milestones, cfg.adaptive, cfg.head) == (3, [0.5, 0.9], True, "mv_am")
    assert name == "mv-softmax adaptive=True epochs=3 milestones=0.5,0.9 data@v2"
    assert paper.display_name({}) == "mv-softmax"
    assert paper.configure(params_text(values) + "\nepochs=5")[0].epochs == 5  # a later line wins (search)
    with pytest.raises(ConfigError, match="unknown parameter 'alpha'"):
        paper.configure("alpha=-0.5")


def test_the_registry_finds_every_familys_papers():
    """No import list: each family's `papers` module (or package) is found by walking paperline;
    runnable papers come first, by family, then by arXiv id."""
    papers = all_papers()
    assert len(papers) == 13 and all(p.arxiv for p in papers.values())
    assert [p.name for p in papers.values() if p.runs] == ["mv-softmax", "search-softmax", "f2c", "poseface",
                                                             "x2-softmax", "mhlr", "jd-landmark", "lapa",
                                                             "kdctime", "swing", "weak-asr", "pts-tracking",
                                                             "giu-gan"]
    assert all(p.runs for p in papers.values())
    for p in papers.values():
        if p.runs:
            assert p.gate_metric and p.reevaluate is not None and p.model_name, p.name
            assert p.name in {"mv-softmax", "x2-softmax", "search-softmax", "mhlr", "f2c", "poseface"} or \
                p.family != "face"


def test_every_parameter_has_a_type_a_default_and_a_meaning():
    from paperline.cli import params_table
    from paperline.core.config import describe

    for p in all_papers().values():
        if not p.runs:
            continue
        assert all(param.help for param in p.pipeline_params.values()), p.name
        for name, typ, _, meaning in describe(p.config_cls, p.embedded):
            assert typ in (int, float, bool, str, list) and meaning, (p.name, name)
        table = params_table(p.name)
        assert all(f"  {k} " in table for k in p.pipeline_params), p.name
