import pytest


@pytest.fixture(scope="session")
def tiny_videos(tmp_path_factory):
    """Three short subtitled videos (one English) with every fault planted, and a small target set."""
    from paperline.asr.config import VideoDataConfig
    from paperline.asr.videos import build_videos_dataset

    out = tmp_path_factory.mktemp("videos") / "v"
    cfg = VideoDataConfig(videos=3, cues_per_video=5, english_share=0.34, video_speakers=4, lag_rate=0.3,
                          mismatch_rate=0.2, unsubtitled_rate=0.15, nonspeech_rate=0.2, occlusion_rate=0.2,
                          target_speakers="2,1,1", target_utterances=3, seed=5)
    info = build_videos_dataset(out, cfg)
    return out, cfg, info
