"""A New Dataset and Boundary-Attention Semantic Segmentation for Face Parsing (LaPa, arXiv:1905.04830,
AAAI 2020; the network is BSPNet in arXiv v1, BASS in the AAAI version).

Pipeline: landmark-guided annotation (paperline.parsing.annotate) → BSPNet (paperline.parsing.bspnet; three branches,
the boundary-weighted loss) → F1 as LaPa results are reported (paperline.parsing.metrics). `--set
boundary=false` trains the same network without the boundary branch. The paper's table was not
readable here, so `reference` is empty.

The embedded default weights the CE terms by (median class frequency / frequency)^0.5: unweighted,
the CPU budget learnt only skin, nose and hair (mean F1 0.165, every small part 0); with the weights,
every class passes 0.3 and at 24 epochs the mean passes 0.60 (0.612 ± 0.003, 2 seeds; 16 epochs:
0.598 ± 0.010; docs/papers/lapa.md: γ 0.3 loses the lips again, γ 1 spills the small parts). The
full-scale config keeps the paper's unweighted loss.
"""

from paperline.core.papers import Dataset, Paper, common_params, hook
from paperline.faceimage.config import ParsingDataConfig
from paperline.parsing.config import ParsingConfig

# the landmark + parsing set (JD-landmark and LaPa layouts of the same faces), for both families
DATASETS = [Dataset("parsing", "parsing_data", "data/parsing", ParsingDataConfig,
                    hook("paperline.faceimage.build:build_parsing_dataset"))]

PAPER = Paper(
    name="lapa",
    title="A New Dataset and Boundary-Attention Semantic Segmentation for Face Parsing",
    arxiv="1905.04830",
    family="parsing",
    pipeline="lapa",
    config_cls=ParsingConfig,
    data_path="data/parsing/lapa",
    model_name="paperline-lapa",
    description="LaPa face parsing: landmark-guided annotation, mask validation, BSPNet, per-class F1, "
                "register, promote",
    embedded={"boundary": True, "input_size": 64, "width": 8, "epochs": 24, "batch_size": 16, "lr": 3e-3,
              "class_balance": 0.5},
    full_scale={"boundary": True, "input_size": 128, "width": 32, "epochs": 150, "batch_size": 16, "lr": 1e-2},
    pipeline_params=common_params("data/parsing/lapa", "paperline-lapa",
                                  "face set in the LaPa layout (train/, val/, test/: images, labels, landmarks)"),
    metrics=["mean_f1", "boundary_mean_f1"],
    gate_metric="mean_f1",
    gate_label="mean F1",
    reevaluate=hook("paperline.parsing.stages:reevaluate"),
    reference=[],
)
