"""The GIU blocks against their definitions: involution against a direct loop and the reference's
unfold form, SE, RBN at initialisation and without touching its input, and GIU's identity start."""

import torch
import torch.nn.functional as F

from paperline.gan.layers import GIU, Involution, RepresentativeBatchNorm2d, SqueezeExcitation


def _loop(x, kernel, k, groups):
    """Y[b, g*Cg + c, i, j] = sum_pq H[b, g, p, q, i, j] X[b, g*Cg + c, i + p - k//2, j + q - k//2]."""
    b, c, h, w = x.shape
    cg, r = c // groups, k // 2
    xp = F.pad(x, [r] * 4)
    y = torch.zeros_like(x)
    kernel = kernel.view(b, groups, k, k, h, w)
    for ch in range(c):
        g = ch // cg
        for i in range(h):
            for j in range(w):
                y[:, ch, i, j] = (kernel[:, g, :, :, i, j] * xp[:, ch, i:i + k, j:j + k]).sum((1, 2))
    return y


def test_involution_equals_a_direct_loop_and_the_unfold_form():
    torch.manual_seed(0)
    inv = Involution(32, kernel_size=3).eval()
    for p in inv.parameters():
        torch.nn.init.normal_(p, 0, 0.5)
    x = torch.randn(2, 32, 6, 7)
    kernel = inv.conv2(inv.conv1(x))
    want = _loop(x, kernel, 3, 2)
    got = inv(x)
    assert torch.allclose(got, want, atol=1e-5)
    unfolded = F.unfold(x, 3, 1, 1, 1).view(2, 2, 16, 9, 6, 7)
    ref = (kernel.view(2, 2, 9, 6, 7).unsqueeze(2) * unfolded).sum(3).view(2, 32, 6, 7)
    assert torch.allclose(got, ref, atol=1e-5)


def test_involution_shapes_stride_and_a_centre_kernel_is_the_identity():
    x = torch.randn(2, 16, 8, 8)
    assert Involution(16, 7).eval()(x).shape == (2, 16, 8, 8)
    assert Involution(16, 3, stride=2).eval()(x).shape == (2, 16, 4, 4)
    inv = Involution(16, 3).eval()
    torch.nn.init.zeros_(inv.conv2.weight)
    with torch.no_grad():
        inv.conv2.bias.zero_()
        inv.conv2.bias[4] = 1.0  # the centre tap of the one group
    assert torch.allclose(inv(x), x, atol=1e-6)


def test_involution_shares_its_kernel_within_a_group_only():
    torch.manual_seed(1)
    inv = Involution(32, 3).eval()
    x = torch.randn(1, 32, 5, 5)
    x[:, 1] = x[:, 0]   # two channels of group 0
    x[:, 16] = x[:, 0]  # a channel of group 1
    y = inv(x)
    assert torch.allclose(y[:, 1], y[:, 0])
    assert not torch.allclose(y[:, 16], y[:, 0])


def test_involution_is_translation_equivariant_away_from_the_borders():
    torch.manual_seed(2)
    inv = Involution(16, 3).eval()
    x = torch.randn(1, 16, 12, 12)
    shifted = torch.roll(x, 1, dims=3)
    assert torch.allclose(inv(shifted)[..., 2:-2, 3:-2], inv(x)[..., 2:-2, 2:-3], atol=1e-5)


def test_se_scales_each_channel_by_a_factor_in_0_1_and_by_half_with_zero_weights():
    se = SqueezeExcitation(32)
    x = torch.randn(3, 32, 4, 4)
    ratio = se(x) / x
    assert torch.all(ratio > 0) and torch.all(ratio < 1)
    for p in se.parameters():
        torch.nn.init.zeros_(p)
    assert torch.allclose(se(x), 0.5 * x)


def test_rbn_at_init_is_sigmoid_1_times_bn_and_leaves_its_input_alone():
    torch.manual_seed(3)
    rbn, bn = RepresentativeBatchNorm2d(8), torch.nn.BatchNorm2d(8, affine=False)
    x = torch.randn(4, 8, 5, 5) * 3 + 1
    before = x.clone()
    y = rbn(x)
    assert torch.equal(x, before)
    assert torch.allclose(y, 0.7310586 * bn(x), atol=1e-6)
    assert torch.allclose(rbn.running_mean, bn.running_mean) and torch.allclose(rbn.running_var, bn.running_var)
    rbn.eval()
    bn.eval()
    assert torch.allclose(rbn(x), 0.7310586 * bn(x), atol=1e-6)  # running statistics in eval mode


def test_rbn_gradients_reach_its_calibration_weights():
    rbn = RepresentativeBatchNorm2d(4)
    x = torch.randn(4, 4, 3, 3)
    (rbn(x) * torch.randn(4, 4, 3, 3)).sum().backward()
    for name in ("center_weight", "scale_weight", "scale_bias", "weight", "bias"):
        assert getattr(rbn, name).grad is not None and getattr(rbn, name).grad.abs().sum() > 0, name


def test_giu_starts_as_the_identity_and_counts_its_parameters():
    giu = GIU(32).eval()
    x = torch.randn(2, 32, 8, 8)
    assert torch.equal(giu(x), x)
    c, hidden = 32, 32 // 4
    se = c * 2 + 2 + 2 * c + c            # fc1 (C -> C/16) and fc2 with biases
    inv = c * hidden + 2 * hidden + hidden * 9 * 2 + 9 * 2  # conv1, its BN, conv2 (K*K*G) with bias
    assert sum(p.numel() for p in giu.parameters()) == se + inv + 1
