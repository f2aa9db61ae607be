"""KDCTime: the UCR readers and writer, the validation suite, InceptionTime's shape, the targets
(label smoothing, soft labels, KDCT/KDCR calibration on hand-made vectors) and the distillation loss."""

import math

import numpy as np
import pytest
import torch

from paperline.core.errors import ConfigError, DataError, ValidationFailed
from paperline.timeseries import inception as T
from paperline.timeseries.config import VARIANTS
from paperline.timeseries.formats import read_split, read_ts, read_tsv, write_ts

HEADER = "@problemName Toy\n@timeStamps false\n@missing {missing}\n@univariate true\n@equalLength {equal}\n" \
         "{length}@classLabel true a b\n@data\n"


def _ts(path, rows, missing="false", equal="true", length="@seriesLength 4\n", header=None):
    path.write_text("# a comment\n" + (header if header is not None else
                                       HEADER.format(missing=missing, equal=equal, length=length)) + rows)
    return path


def _toy(tmp_path, train_rows=None, test_rows=None, **kw):
    _ts(tmp_path / "Toy_TRAIN.ts", train_rows or "1,2,3,4:a\n4,3,2,1:b\n1,2,3,5:a\n5,3,2,1:b\n", **kw)
    _ts(tmp_path / "Toy_TEST.ts", test_rows or "1,2,3,4:a\n4,3,2,0:b\n", **kw)
    return tmp_path


# -- formats ----------------------------------------------------------------------------------------

def test_ts_reader_reads_header_values_and_missing(tmp_path):
    s = read_ts(_ts(tmp_path / "Toy_TRAIN.ts", "1,2,?,4:a\n4,3,2,1:b\n", missing="true"))
    assert s.name == "Toy" and s.classes == ["a", "b"] and s.labels == ["a", "b"] and s.missing
    assert s.lines == [10, 11] and list(s.lengths) == [4, 4] and list(s.missing_counts) == [1, 0]
    np.testing.assert_array_equal(s.series[1], [4, 3, 2, 1])


def test_tsv_reader_strips_padding_keeps_inner_missing(tmp_path):
    p = tmp_path / "Toy_TRAIN.tsv"
    p.write_text("2\t1.0\t2.0\tNaN\t4.0\n-1\t1.0\t2.0\tNaN\tNaN\n")
    s = read_tsv(p)
    assert s.labels == ["2", "-1"] and s.classes == ["-1", "2"] and list(s.lengths) == [4, 2]
    assert not s.equal_length and s.missing and list(s.missing_counts) == [1, 0]


def test_write_then_read_round_trips(tmp_path):
    s = read_ts(_ts(tmp_path / "a.ts", "1,2,?,4:a\n4.25,3,2,1e-3:b\n", missing="true"))
    write_ts(tmp_path / "out" / "Toy_TRAIN.ts", s)
    back = read_split(tmp_path / "out", "Toy", "train")
    assert back.labels == s.labels and back.classes == s.classes and back.missing
    for a, b in zip(back.series, s.series):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("header, message", [
    ("@problemName Toy\n@classLabel true a b\n", "expected a header line"),
    ("@problemName Toy\n@frobnicate yes\n@classLabel true a b\n@data\n", "unknown header tag @frobnicate"),
    ("@problemName Toy\n@data\n", "no @classLabel"),
    ("@problemName Toy\n@classLabel false\n@data\n", "@classLabel must be 'true'"),
    ("@univariate false\n@classLabel true a b\n@data\n", "only univariate"),
    ("@seriesLength 7\n@classLabel true a b\n@data\n", "@seriesLength 7 but the series have length 4"),
])
def test_wrong_headers_are_refused_with_file_and_line(tmp_path, header, message):
    p = _ts(tmp_path / "Toy_TRAIN.ts", "1,2,3,4:a\n4,3,2,1:b\n", header=header)
    with pytest.raises(DataError, match=message) as e:
        read_ts(p)
    assert str(p) in str(e.value)


def test_ragged_series_need_the_equal_length_false_flag(tmp_path):
    rows = "1,2,3,4:a\n4,3,2:b\n"
    with pytest.raises(DataError, match=r"Toy_TRAIN.ts:11: series of length 3 .* @equalLength false"):
        read_ts(_ts(tmp_path / "Toy_TRAIN.ts", rows))
    s = read_ts(_ts(tmp_path / "Toy_TRAIN.ts", rows, equal="false", length=""))
    assert list(s.lengths) == [4, 3] and not s.equal_length


def test_a_header_without_data_is_refused(tmp_path):
    with pytest.raises(DataError, match="no @data line"):
        read_ts(_ts(tmp_path / "Toy_TRAIN.ts", "", header="@problemName Toy\n@classLabel true a b\n"))


def test_non_numeric_values_name_the_line(tmp_path):
    with pytest.raises(DataError, match=r"Toy_TRAIN.ts:11: non-numeric"):
        read_ts(_ts(tmp_path / "Toy_TRAIN.ts", "1,2,3,4:a\n4,x,2,1:b\n"))


def test_bundled_datasets_export_in_ts_format(tmp_path):
    from paperline.timeseries.build import UCRDataConfig, build_ucr_dataset

    info = build_ucr_dataset(tmp_path / "ucr", UCRDataConfig(datasets=["GunPoint", "PLAID"]))
    rows = {r["dataset"]: r for r in info["datasets"]}
    assert rows["GunPoint"]["train"] == 50 and rows["GunPoint"]["test"] == 150 and rows["GunPoint"]["length"] == 150
    assert rows["PLAID"]["classes"] == 11 and rows["PLAID"]["equal_length"] is False
    plaid = read_split(tmp_path / "ucr", "PLAID", "test")
    assert len(plaid) == 537 and plaid.lengths.min() < plaid.lengths.max()
    assert (tmp_path / "ucr" / "datasets.csv").read_text().startswith("dataset,train,test")
    with pytest.raises(ConfigError, match="not bundled"):
        build_ucr_dataset(tmp_path / "x", UCRDataConfig(datasets=["Beef"]))


# -- validation -------------------------------------------------------------------------------------

def test_validation_passes_a_good_dataset(tmp_path):
    from paperline.timeseries.validation import validate_ucr

    stats = validate_ucr(_toy(tmp_path), "Toy", tmp_path / "report")
    assert stats["success"] and stats["train"] == 4 and stats["classes"] == 2 and stats["length"] == 4


@pytest.mark.parametrize("train, test, kw, message", [
    (None, "1,2,3,4:a\n4,3,2,0:c\n", {}, r"in_set on label_declared .*Toy_TEST.ts:11"),
    ("1,2,3,4:a\n4,3,2,1:a\n", None, {}, "expect_column_unique_value_count_to_be_between on label"),
    (None, "1,?,3,4:a\n4,3,2,0:b\n", {}, r"expect_column_values_to_be_between on missing .*Toy_TEST.ts:10"),
])
def test_validation_failures_name_file_and_line(tmp_path, train, test, kw, message):
    from paperline.timeseries.validation import validate_ucr

    with pytest.raises(ValidationFailed, match=message):
        validate_ucr(_toy(tmp_path, train, test, **kw), "Toy", tmp_path / "report")
    assert "FAIL" in (tmp_path / "report" / "report.md").read_text()


def test_test_labels_outside_the_training_classes_fail(tmp_path):
    from paperline.timeseries.validation import validate_ucr

    header = HEADER.format(missing="false", equal="true", length="").replace("true a b", "true a b c")
    _ts(tmp_path / "Toy_TRAIN.ts", "1,2,3,4:a\n4,3,2,1:b\n", header=header)
    _ts(tmp_path / "Toy_TEST.ts", "1,2,3,4:c\n", header=header)
    with pytest.raises(ValidationFailed, match=r"label_in_train_classes.*Toy_TEST.ts:9"):
        validate_ucr(tmp_path, "Toy", tmp_path / "report")


def test_validate_component_fails_on_an_unknown_test_label_and_writes_its_report(tmp_path):
    from kfp import dsl

    from paperline.components.timeseries import validate_ucr

    (tmp_path / "data").mkdir()
    data = _toy(tmp_path / "data", None, "1,2,3,4:a\n4,3,2,0:zz\n")
    with pytest.raises(ValidationFailed, match=r"label_declared .*Toy_TEST.ts:11"):
        validate_ucr.python_func(dataset=dsl.Dataset(uri=str(data)), name="Toy",
                                 report=dsl.Markdown(uri=str(tmp_path / "out" / "report")),
                                 metrics=dsl.Metrics(uri=str(tmp_path / "out" / "metrics")))
    assert "FAIL" in (tmp_path / "out" / "report").read_text()


def test_one_class_dataset_is_refused_by_the_loader(tmp_path):
    from paperline.timeseries import kdctime as K

    with pytest.raises(DataError, match=r"Toy_TRAIN.ts: one class only"):
        K.load(_toy(tmp_path, "1,2,3,4:a\n4,3,2,1:a\n"), "Toy")


def test_arrays_znormalise_interpolate_and_pad(tmp_path):
    s = read_ts(_ts(tmp_path / "Toy_TRAIN.ts", "1,2,?,4:a\n4,3,2:b\n", missing="true", equal="false", length=""))
    X, y = T.to_arrays(s, ["a", "b"], 5)
    assert X.shape == (2, 1, 5) and list(y) == [0, 1]
    np.testing.assert_allclose(X[0, 0, :4], (np.arange(1, 5) - 2.5) / np.arange(1, 5).std(), rtol=1e-6)
    assert X[0, 0, 4] == 0 and X[1, 0, 3:].tolist() == [0, 0] and abs(X[1, 0, :3].mean()) < 1e-6


# -- InceptionTime ----------------------------------------------------------------------------------

@pytest.mark.parametrize("length", [1, 7, 150])
@pytest.mark.parametrize("channels", [1, 128])
def test_inception_module_keeps_the_length(length, channels):
    m = T.InceptionModule(channels)
    assert m(torch.randn(3, channels, length)).shape == (3, 128, length)
    assert (m.bottleneck is None) == (channels == 1)


def test_inception_net_shape_shortcuts_and_parameter_count():
    k = 5
    net = T.InceptionNet(k)
    assert net(torch.randn(4, 1, 37)).shape == (4, k)
    assert sorted(net.shortcuts) == ["2", "5"]  # after the 3rd and the 6th module
    first = 32 * (40 + 20 + 10) + 32 + 2 * 128                        # no bottleneck on the raw input
    inner = 128 * 32 + 32 * 32 * (40 + 20 + 10) + 128 * 32 + 2 * 128
    shortcuts = (1 * 128 + 2 * 128) + (128 * 128 + 2 * 128)
    assert sum(p.numel() for p in net.parameters()) == first + 5 * inner + shortcuts + 128 * k + k


def test_ensemble_is_the_mean_of_member_softmaxes():
    torch.manual_seed(0)
    members = [T.InceptionNet(3).eval() for _ in range(2)]
    x = torch.randn(2, 1, 20)
    expected = torch.stack([torch.softmax(m(x), -1) for m in members]).mean(0)
    torch.testing.assert_close(torch.exp(T.Ensemble(members).eval()(x)), expected)


# -- targets and calibration ------------------------------------------------------------------------

def test_label_smoothing():
    y = np.array([0, 2, 1])
    t = T.label_smoothing(y, 4, 0.2)
    np.testing.assert_allclose(t.sum(1), 1)
    assert (t.argmax(1) == y).all() and t.min() == pytest.approx(0.05)
    np.testing.assert_array_equal(T.label_smoothing(y, 4, 0.0), np.eye(4)[y])


def test_soft_labels_temperature():
    z = [np.array([[2.0, 0.5, -1.0]]), np.array([[1.0, 1.5, 0.0]])]
    q1 = T.soft_labels(z, 1.0)
    sm = [np.exp(a) / np.exp(a).sum() for a in z]
    np.testing.assert_allclose(q1, (sm[0] + sm[1]) / 2)
    np.testing.assert_allclose(T.soft_labels(z, 1e6), np.full((1, 3), 1 / 3), atol=1e-6)
    np.testing.assert_allclose(T.soft_labels(z, 4.0).sum(1), 1)


@pytest.mark.parametrize("fn", [T.kdct, T.kdcr])
def test_calibration_leaves_a_right_teacher_alone(fn):
    q = np.array([0.1, 0.7, 0.2])
    assert fn(q, 1) is q


def test_kdct_by_hand():
    q = np.array([0.5, 0.3, 0.2])  # true class 2, the teacher says 0
    out = T.kdct(q, 2)  # u_2 = log 0.5 + log 2 -> mass 1.0 before renormalising
    np.testing.assert_allclose(out, np.array([0.5, 0.3, 1.0]) / 1.8)


def test_kdcr_by_hand():
    np.testing.assert_array_equal(T.kdcr(np.array([0.5, 0.3, 0.2]), 2), [0.2, 0.3, 0.5])
    tie = T.kdcr(np.array([0.4, 0.4, 0.2]), 2)  # swap leaves a tie at the top: broken towards y
    assert tie.argmax() == 2 and tie[2] > tie[0] and tie.sum() == pytest.approx(1)


def _random_cases(n=1500, seed=0):
    rng = np.random.default_rng(seed)
    for i in range(n):
        k = 2 if i % 5 == 0 else int(rng.integers(3, 12))
        q = rng.dirichlet(np.full(k, 0.5))
        if i % 7 == 0:  # ties at the top, y among them or not
            top = rng.choice(k, 2, replace=False)
            q[top] = q.max()
            q /= q.sum()
        yield q, int(rng.integers(k))


def test_kdct_properties_on_random_vectors():
    for q, y in _random_cases():
        out = T.kdct(q, y)
        assert out.min() >= 0 and out.sum() == pytest.approx(1, abs=1e-6)
        assert (out[y] > np.delete(out, y)).all()  # the true class is the unique arg-max
        others = [a for a in range(len(q)) if a != y]
        np.testing.assert_allclose(out[others] / out[others].sum(), q[others] / q[others].sum(), rtol=1e-9)
        assert out[y] >= q[y]


def test_kdcr_properties_on_random_vectors():
    for q, y in _random_cases(seed=1):
        out = T.kdcr(q, y)
        assert out.min() >= 0 and out.sum() == pytest.approx(1, abs=1e-6)
        assert (out[y] > np.delete(out, y)).all()
        if np.sum(q == q.max()) == 1:  # no tie at the top: a pure swap
            np.testing.assert_array_equal(np.sort(out), np.sort(q))
            assert np.sum(out != q) <= 2


def test_calibrate_changes_only_mispredicted_rows():
    q = np.array([[0.7, 0.2, 0.1], [0.6, 0.3, 0.1], [0.2, 0.2, 0.6]])
    y = np.array([0, 1, 2])
    for mode in ("kdct", "kdcr"):
        out, stats = T.calibrate(q, y, mode)
        np.testing.assert_array_equal(out[[0, 2]], q[[0, 2]])
        assert out[1].argmax() == 1 and stats["mispredicted"] == 1
        assert stats["mispredicted_share"] == pytest.approx(1 / 3)
        assert stats["mean_l1_change"] == pytest.approx(np.abs(out - q).sum(1).mean())
    out, stats = T.calibrate(q, y, "none")
    np.testing.assert_array_equal(out, q)
    assert stats["mean_l1_change"] == 0
    with pytest.raises(ConfigError, match="calibration mode"):
        T.calibrate(q, y, "rotate")


def test_kd_loss_limits():
    torch.manual_seed(0)
    z = torch.randn(6, 4)
    y = torch.randint(0, 4, (6,))
    soft = torch.softmax(torch.randn(6, 4), -1)
    torch.testing.assert_close(T.kd_loss(z, soft, y, 2.0, 0.0), torch.nn.functional.cross_entropy(z, y))
    at_target = torch.softmax(z / 3.0, -1)
    assert float(T.kd_loss(z, at_target, y, 3.0, 1.0)) == pytest.approx(0, abs=1e-6)
    assert float(T.kd_loss(z, soft, y, 3.0, 1.0)) > 0


def test_average_ranks():
    from paperline.timeseries.kdctime import average_ranks

    same = np.array([[0.9, 0.9, 0.9], [0.5, 0.5, 0.5]])
    np.testing.assert_array_equal(average_ranks(same), [2, 2, 2])
    dominant = np.array([[0.99, 0.9, 0.8], [0.7, 0.5, 0.6]])
    np.testing.assert_array_equal(average_ranks(dominant), [1, 2.5, 2.5])


def test_config_checks():
    with pytest.raises(ConfigError, match="variant must be one of"):
        T.TSConfig(variant="kdx").check()
    with pytest.raises(ConfigError, match="members must be at least 1"):
        T.TSConfig(members=0).check()
    T.TSConfig().check()


def test_training_learns_a_separable_toy_problem():
    rng = np.random.default_rng(0)
    t = np.linspace(0, 4 * math.pi, 32)
    X = np.stack([np.sin(t + rng.uniform(0, 6)) if i % 2 else np.sign(np.sin(t + rng.uniform(0, 6)))
                  for i in range(40)])[:, None].astype(np.float32)
    y = np.arange(40) % 2
    cfg = T.TSConfig(epochs=6, filters=8, depth=3, lr=3e-3, batch_size=4)
    net, hist = T.train_net(X, y, T.one_hot(y, 2), cfg, seed=0)
    assert len(hist) == 6 and hist[-1]["loss"] < hist[0]["loss"]
    logits = T.predict_logits(net, X)
    assert (logits.argmax(1) == y).mean() > 0.9


@pytest.mark.parametrize("variant", VARIANTS)
def test_calibrate_step_writes_each_variants_targets(tmp_path, variant):
    from paperline.timeseries import stages as S

    q = np.array([[0.7, 0.2, 0.1], [0.6, 0.3, 0.1]])
    y = np.array([0, 1])
    np.savez(tmp_path / "soft.npz", q=q, y=y)
    cfg = T.TSConfig(variant=variant, eps=0.3)
    stats = S.calibrate(str(tmp_path / "soft.npz"), cfg, str(tmp_path / "targets"))
    with np.load(tmp_path / "targets") as f:
        targets, tau = f["targets"], float(f["tau"])
    expected = {"inception": np.eye(3)[y], "ls": T.label_smoothing(y, 3, 0.3), "kd": q,
                "kdct": np.stack([q[0], T.kdct(q[1], 1)]), "kdcr": np.stack([q[0], [0.3, 0.6, 0.1]])}[variant]
    np.testing.assert_allclose(targets, expected)
    assert tau == (cfg.tau if variant.startswith("kd") else 1.0)
    assert stats["variant"] == variant and (variant in ("inception", "ls") or stats["mispredicted"] == 1)


def test_the_trainer_uses_the_references_fixed_batch_not_a_tenth_of_the_set():
    """hfawaz/InceptionTime passes batch_size=64; min(n/10, 16) is only its fallback for no batch size."""
    from paperline.timeseries.config import TSConfig

    X = np.zeros((150, 1, 16), np.float32)
    y = np.arange(150) % 2
    trainer = T.InceptionTrainer(X, y, T.one_hot(y, 2), TSConfig(depth=3, filters=4), 0, 1.0, 1.0, "t")
    assert trainer.batch == 64 and trainer.steps_per_epoch == 3  # 64 + 64 + the remaining 22
    small = T.InceptionTrainer(X[:50], y[:50], T.one_hot(y[:50], 2), TSConfig(depth=3, filters=4), 0, 1.0, 1.0, "t")
    assert small.steps_per_epoch == 1  # GunPoint's 50 series: one step per epoch, as in Keras


def test_multiply_accumulates_are_counted_per_layer_and_match_the_weights():
    """'same' padding keeps every convolution's output at the series' length, so its MACs are its
    weight count times that length; the hooks must see every one of them."""
    from paperline.timeseries import kdctime as K

    net = T.InceptionNet(3)
    conv = sum(m.weight.numel() for m in net.modules() if isinstance(m, torch.nn.Conv1d))
    linear = sum(m.weight.numel() for m in net.modules() if isinstance(m, torch.nn.Linear))
    for length in (24, 150):
        assert K.inception_macs(net, length) == conv * length + linear
    assert round(K.inception_macs(net, 150) / 150 / 1e3) == 418  # about 418k per time step, as documented


def test_rocket_macs_count_each_kernels_dilated_output_positions():
    from paperline.timeseries import kdctime as K

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 1, 60)), np.arange(20) % 2
    rocket = K.fit_rocket(X, y, 50, 0)
    _, lengths, _, dilations, paddings, *_ = rocket._transformer.kernels
    by_hand = sum(len(range(-p, 60 + p - (k - 1) * d)) * k for k, d, p in zip(lengths, dilations, paddings))
    assert K.rocket_macs(rocket, 60) == by_hand + rocket.estimator_.coef_.size
    assert 7 * 50 * 60 * 0.3 < by_hand < 11 * 50 * 60 * 2  # positions within a kernel's reach, lengths 7-11
