"""Adam and ReduceLROnPlateau, small and eager.

Same update rules as ``torch.optim.Adam`` (L2 ``weight_decay`` added to the
gradient, bias-corrected moments) and ``torch.optim.lr_scheduler.ReduceLROnPlateau``
(``mode="min"``, absolute threshold, no cooldown). Creating a
``torch.optim.Adam`` imports ``torch._dynamo``, about 1.5 s on a 2-core
machine, longer than a whole fit of a small graph; these need nothing beyond
tensors and expose the same ``param_groups``, ``state``, ``zero_grad`` and
``step`` that the training loop uses.
"""

import math

import numpy as np
import torch

__all__ = ["Adam", "ReduceLROnPlateau"]


class Adam:
    """Adam with L2 weight decay (``torch.optim.Adam``'s rule)."""

    def __init__(self, params, lr, weight_decay=0.0, betas=(0.9, 0.999), eps=1e-8):
        self.params = [p for p in params if p.requires_grad]
        self.param_groups = [{"lr": float(lr)}]
        self.weight_decay, self.betas, self.eps = weight_decay, betas, eps
        self.state = {}

    def zero_grad(self, set_to_none=True):
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self):
        lr = self.param_groups[0]["lr"]
        beta1, beta2 = self.betas
        for p in self.params:
            if p.grad is None:
                continue
            grad = p.grad + self.weight_decay * p if self.weight_decay else p.grad
            st = self.state.setdefault(
                id(p), {"t": 0, "m": torch.zeros_like(p), "v": torch.zeros_like(p)}
            )
            st["t"] += 1
            st["m"].mul_(beta1).add_(grad, alpha=1 - beta1)
            st["v"].mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
            step_size = lr / (1 - beta1 ** st["t"])
            denom = (st["v"] / (1 - beta2 ** st["t"])).sqrt_().add_(self.eps)
            p.addcdiv_(st["m"], denom, value=-step_size)

    def step_array(self, grad):
        """:meth:`step` for a single CPU parameter, with ``grad`` a NumPy array.

        Updates the parameter and the moments in place through NumPy views
        of their storage (no copies, no torch dispatch); the state stays the
        one :meth:`step` uses, so the two can be mixed.
        """
        (p,) = self.params
        beta1, beta2 = self.betas
        st = self.state.setdefault(
            id(p), {"t": 0, "m": torch.zeros_like(p), "v": torch.zeros_like(p)}
        )
        weight, m, v = p.detach().numpy(), st["m"].numpy(), st["v"].numpy()
        if self.weight_decay:
            grad = grad + self.weight_decay * weight
        st["t"] += 1
        m *= beta1
        m += (1 - beta1) * grad
        v *= beta2
        v += (1 - beta2) * grad * grad
        step_size = self.param_groups[0]["lr"] / (1 - beta1 ** st["t"])
        weight -= step_size * m / (np.sqrt(v / (1 - beta2 ** st["t"])) + self.eps)


class ReduceLROnPlateau:
    """Multiply the learning rate by ``factor`` after ``patience`` epochs without improvement."""

    def __init__(self, optimizer, factor=0.5, patience=3, threshold=1e-4, min_lr=0.0):
        self.optimizer, self.factor, self.patience = optimizer, factor, patience
        self.threshold, self.min_lr = threshold, min_lr
        self.best, self.num_bad_epochs = math.inf, 0

    def step(self, metric):
        if metric < self.best - self.threshold:
            self.best, self.num_bad_epochs = metric, 0
        else:
            self.num_bad_epochs += 1
        if self.num_bad_epochs > self.patience:
            group = self.optimizer.param_groups[0]
            new_lr = max(group["lr"] * self.factor, self.min_lr)
            if group["lr"] - new_lr > 1e-12:
                group["lr"] = new_lr
            self.num_bad_epochs = 0
