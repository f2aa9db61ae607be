"""The spec's model properties (§7: 3, 6, 8, 9): slicing, monotone filters, a tiny Conformer that
overfits eight utterances, CTC decoding, and a fine-tune vocabulary that keeps the old rows."""

import math
from dataclasses import replace

import numpy as np
import pytest
import torch

from paperline.asr import filters
from paperline.asr.config import ASRConfig
from paperline.asr.cut import slice_audio
from paperline.asr.features import cmvn, log_mel, mel_filters, spec_augment
from paperline.asr.model import ConformerCTC, Vocab, alignment_confidence, beam_search, greedy
from paperline.asr.speech import Speaker, synthesize
from paperline.asr.train import Clips, evaluate_cer, train


def test_slicing_returns_the_expected_samples_clipped_to_the_file():
    x = np.sin(2 * np.pi * 440 * np.arange(16000) / 16000).astype(np.float32)
    clip, a, b = slice_audio(x, 0.25, 0.5, pad=0.1)
    assert len(clip) == round((0.5 - 0.25 + 0.2) * 16000) and (a, b) == (0.15, 0.6)
    assert np.array_equal(clip, x[2400:9600])
    clip, a, b = slice_audio(x, 0.05, 0.99, pad=0.1)  # padding clipped at both ends of the file
    assert (a, b) == (0.0, 1.0) and len(clip) == 16000


def test_features_filters_and_augmentation():
    fb = mel_filters()
    assert fb.shape == (80, 257) and (fb.sum(1) > 0).all()          # no empty band
    f = log_mel(np.random.default_rng(0).standard_normal(16000).astype(np.float32))
    assert f.shape == (1 + (16000 - 512) // 160, 80) and torch.isfinite(f).all()   # 10 ms hop
    mean, std = cmvn([f, f + 1])
    assert torch.allclose(mean, f.mean(0) + 0.5, atol=1e-4)
    g = torch.Generator().manual_seed(0)
    masked = spec_augment(f, g, time_width=10)
    assert masked.shape == f.shape and (masked == 0).any() and not (f == 0).any()


def rows():
    base = {"start": 0.0, "end": 2.0, "speech_ratio": 0.9, "video_id": "v"}
    return [{**base, "text": "今天天气很好", "agree_conf": 0.9}, {**base, "text": "我们去", "agree_conf": 0.4},
            {**base, "text": "不", "agree_conf": 0.9}, {**base, "text": "hello world", "agree_conf": 0.9},
            {**base, "text": "对" * 30, "agree_conf": 0.9}, {**base, "text": "他说", "end": 1.0, "speech_ratio": 0.1,
                                                              "agree_conf": 0.1}]


def test_filters_tier_with_reasons_and_switch_off():
    # confidences of the rows the other filters keep: 0.9 and 0.4 -> median 0.65; strong >= 0.78, weak >= 0.325
    cfg = ASRConfig(strong_ratio=1.2, weak_ratio=0.5)
    got = [(r["subset"], r["drop_reason"]) for r in filters.assign(rows(), cfg)]
    assert got == [("strong", ""), ("weak", ""), ("drop", "script"), ("drop", "script"), ("drop", "rate"),
                   ("drop", "vad")]
    off = filters.assign(rows(), replace(cfg, filter_rate=False, filter_vad=False, filter_agreement=False))
    assert [r["subset"] for r in off] == ["strong", "strong", "drop", "drop", "strong", "strong"]


def test_filters_are_monotone():
    kept = lambda **kw: {i for i, r in enumerate(filters.assign(rows(), ASRConfig(**kw)))  # noqa: E731
                         if r["subset"] != "drop"}
    for lo, hi in ((1.0, 0.5), (0.5, 0.1)):   # lowering the confidence bar never removes a kept row
        assert kept(weak_ratio=lo, strong_ratio=1.2) <= kept(weak_ratio=hi, strong_ratio=1.2)
    assert kept(weak_ratio=1.0, strong_ratio=1.2) < kept(weak_ratio=0.5, strong_ratio=1.2)
    assert kept(min_rate=2.0, max_rate=5.0) <= kept(min_rate=1.0, max_rate=20.0)  # stricter bounds never add


def test_vocab_grows_keeping_old_indices_and_the_output_layer_keeps_old_rows():
    v = Vocab.from_texts(["今天天气", "很好"])
    g = v.grown(["天气不错", "ok"])
    assert g.tokens[: len(v)] == v.tokens and len(g) == len(v) + 4    # 不, 错, O, K
    assert v.encode("今天好") == g.encode("今天好") and v.encode("错") == [1]
    m = ConformerCTC(len(v), d_model=32, blocks=1, heads=2)
    old_w, old_b = m.out.weight.detach().clone(), m.out.bias.detach().clone()
    m.grow_output(len(g))
    assert m.out.weight.shape[0] == len(g)
    assert torch.equal(m.out.weight[: len(v)], old_w) and torch.equal(m.out.bias[: len(v)], old_b)
    with pytest.raises(ValueError):
        m.grow_output(len(v))


def test_greedy_and_beam_search_on_hand_made_posteriors():
    # frames: a a blank a b b -> greedy "aab"; tokens 0 blank, 1 unk, 2 a, 3 b
    p = torch.full((6, 4), 1e-3)
    for t, k in enumerate([2, 2, 0, 2, 3, 3]):
        p[t, k] = 1.0
    lp = (p / p.sum(1, keepdim=True)).log()
    assert greedy(lp, 6) == [2, 2, 3]
    assert beam_search(lp, 6, beam=4) == [2, 2, 3]
    assert alignment_confidence(lp, 6, [2, 2, 3]) > 0.9 > 0.1 > alignment_confidence(lp, 6, [3, 2])


@pytest.fixture(scope="module")
def eight():
    from paperline.asr.corpus import mandarin_vocabulary


    chars = [c for c, _ in mandarin_vocabulary()]
    rng = np.random.default_rng(0)
    texts = ["".join(rng.choice(chars[:40], 5)) for _ in range(8)]
    feats = [log_mel(synthesize(t, "cmn", Speaker("s", "m3", 50, 170))) for t in texts]
    return Clips([str(i) for i in range(8)], texts, feats)


def test_tiny_conformer_overfits_eight_utterances(eight):
    cfg = ASRConfig(d_model=64, blocks=2, heads=4, batch_size=4, spec_augment=False, dropout=0.0, threads=1)
    vocab = Vocab.from_texts(eight.texts)
    model, history = train(eight, vocab, cfg, epochs=60, lr=2e-3, desc="overfit")
    assert history[-1]["loss"] < 0.5 * history[0]["loss"]
    cer, _, hyps = evaluate_cer(model, vocab, eight)
    assert cer < 0.3, hyps
    for lp_hyp in hyps:   # decoded text: no blank, no unknown token
        assert "<" not in lp_hyp


def test_a_stopped_training_resumes_to_the_same_weights(eight, tmp_path, monkeypatch, capsys):
    """A training that dies after epoch 1 of 3 (here an error; in the kill test a SIGKILL), started
    again with the same clips and config, resumes from its checkpoint and ends on the weights of an
    uninterrupted run; its checkpoint folder goes once it succeeds."""
    monkeypatch.setenv("PAPERLINE_HOME", str(tmp_path))
    monkeypatch.setenv("PAPERLINE_CHECKPOINT_SECONDS", "0")
    cfg = ASRConfig(d_model=32, blocks=1, heads=2, batch_size=4, threads=1)
    vocab = Vocab.from_texts(eight.texts)
    whole, _ = train(eight, vocab, cfg, epochs=3, lr=1e-3)

    def die(epoch, rec):
        if epoch == 2:
            raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        train(eight, vocab, cfg, epochs=3, lr=1e-3, on_epoch=die)
    assert len(list((tmp_path / "checkpoints" / "weak-asr").rglob("checkpoint.pt"))) == 1
    capsys.readouterr()
    again, history = train(eight, vocab, cfg, epochs=3, lr=1e-3)
    assert "after epoch 1" in capsys.readouterr().out and [h["epoch"] for h in history] == [1, 2, 3]
    assert all(torch.equal(a, b) for a, b in zip(whole.state_dict().values(), again.state_dict().values()))
    assert not list((tmp_path / "checkpoints").rglob("checkpoint.pt"))
    # other clips are another training: it does not pick up this one's checkpoint
    assert eight.digest != Clips(eight.ids[:7], eight.texts[:7], eight.feats[:7]).digest
    assert math.isfinite(float(whole.out.weight.sum()))
