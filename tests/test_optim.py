"""Our eager Adam and ReduceLROnPlateau follow torch's update rules exactly."""

import torch

from stabledag._optim import Adam, ReduceLROnPlateau


def test_adam_matches_torch():
    gen = torch.Generator().manual_seed(0)
    ours = torch.nn.Parameter(torch.randn(4, 4, dtype=torch.float64, generator=gen))
    theirs = torch.nn.Parameter(ours.detach().clone())
    opt_ours = Adam([ours], lr=0.01, weight_decay=1e-3)
    opt_theirs = torch.optim.Adam([theirs], lr=0.01, weight_decay=1e-3)
    for _ in range(50):
        for p, opt in ((ours, opt_ours), (theirs, opt_theirs)):
            opt.zero_grad()
            ((p**3).sum() + p.abs().sum()).backward()
            opt.step()
    assert torch.allclose(ours, theirs, atol=1e-12)


def test_plateau_matches_torch():
    ours = Adam([torch.nn.Parameter(torch.zeros(1))], lr=0.01)
    theirs = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.01)
    s_ours = ReduceLROnPlateau(ours, factor=0.5, patience=2, threshold=1e-3, min_lr=1e-4)
    s_theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(
        theirs, factor=0.5, patience=2, threshold=1e-3, threshold_mode="abs", min_lr=1e-4
    )
    for metric in [5, 4, 4, 4, 4, 4, 3.9995, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3]:
        s_ours.step(metric)
        s_theirs.step(metric)
        assert ours.param_groups[0]["lr"] == theirs.param_groups[0]["lr"]
    assert ours.param_groups[0]["lr"] < 0.01
