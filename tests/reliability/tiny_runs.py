"""Tiny `paperline run` arguments for the papers the reliability tests drive end to end."""

from pathlib import Path


def tiny_args(paper: str, data: Path, **extra) -> list[str]:
    """`--set` arguments for one tiny run of `paperline run PAPER` on `data`."""
    tiny = {"mv-softmax": {"epochs": 1, "width": 0.25, "input_size": 32, "embedding_size": 16, "batch_size": 8},
            "jd-landmark": {"epochs": 1, "width": 8, "input_size": 64},
            "lapa": {"epochs": 1, "width": 4, "input_size": 64},
            "kdctime": {"dataset": "ItalyPowerDemand", "epochs": 1, "members": 2, "rocket_kernels": 100},
            "pts-tracking": {"epochs": 1, "pairs": 96, "trackers": "pts,no-prediction", "eao_range": "5,20"},
            "swing": {"top_k": 20},
            "weak-asr": {"ocr_shards": 1, "d_model": 32, "blocks": 1, "heads": 2, "seed_epochs": 1,
                         "pretrain_epochs": 1, "finetune_epochs": 1, "target_epochs": 1, "filter_rounds": 1,
                         "weak_ratio": 0.0, "ablations": "", "beam": 2},
            "giu-gan": {"models": "giu-gan", "epochs": 1, "train_images": 256, "classifier_epochs": 1,
                        "classifier_images": 600, "eval_samples": 300, "curve_samples": 100, "kid_subsets": 5,
                        "grid": 16}}[paper]
    params = {"data_path": data, **tiny, "threads": 1, **extra}
    return [a for k, v in params.items() for a in ("--set", f"{k}={v}")]


def build_ucr(root: Path) -> Path:
    from paperline.timeseries.build import UCRDataConfig, build_ucr_dataset

    build_ucr_dataset(root, UCRDataConfig(datasets=["ItalyPowerDemand"]))
    return root


def build_log(root: Path, seed: int = 3) -> Path:
    from paperline.recsys.build import InteractionsDataConfig, build_interactions_dataset

    build_interactions_dataset(root, InteractionsDataConfig(rows=20_000, seed=seed))
    return root


def build_sequences(root: Path) -> Path:
    from paperline.tracker.config import SequenceDataConfig
    from paperline.tracker.generator import build_sequences_dataset

    build_sequences_dataset(root, SequenceDataConfig(train_sequences=3, test_sequences=3, frames="24,30",
                                                     face_share=0.5, seed=3))
    return root


def build_videos(root: Path) -> Path:
    from paperline.asr.config import VideoDataConfig
    from paperline.asr.videos import build_videos_dataset

    build_videos_dataset(root, VideoDataConfig(videos=3, cues_per_video=5, english_share=0.34, video_speakers=4,
                                               target_speakers="2,1,1", target_utterances=3, seed=5))
    return root


def build_fashion(root: Path) -> Path:
    from tests.gan.conftest import write_fashion_subset

    return write_fashion_subset(root, 600, 300)
