"""Every update rule against torch.optim, number for number, in float64.

The problem: a small logistic regression (weights W, bias b, a shared scalar bias s) plus
sum(log cosh(T - C)) and log cosh(3 (x - 1)): arrays of shapes (6, 3), (3,), (2, 3, 4), a 0-d
array and a Python float. Our gradient is written out in numpy; torch's comes from autograd on
the same loss, each from its own current parameters. 150 steps; agreement 1e-12 (relative to
the largest entry of each array) wherever the mathematics is the same.

A linear tilt (0.5 sum W + 0.5 sum b + 1.5 s + 1.5 sum T + 4 x) keeps every gradient entry
above 0.3 in size in every run here: near a minimum the adaptive rules divide a gradient that is
mostly rounding noise by its own size, and two correct implementations part ways chaotically
(autograd and numpy round differently); away from it they agree to the last digits.

The mappings (derived in the rules' docstrings):

* Momentum, Nesterov: torch.optim.SGD(momentum[, nesterov=True]); torch's buffer b = -v / lr.
  Under a changing lr the two differ (ours rescales only new gradients): test below.
* AdaGrad, RMSProp (alpha = decay_rate), AdaDelta (lr = 1 is Zeiler's): the same formulas.
* Adam, AdamW, AMSGrad: ours divides by sqrt(v) + eps with lr_t = lr sqrt(1 - beta2^t) /
  (1 - beta1^t); torch by sqrt(v / (1 - beta2^t)) + eps'. They are equal for
  eps' = eps / sqrt(1 - beta2^t), in particular at eps = 0. Our eps must be positive, so "eps =
  0" is eps = 1e-300 here: sqrt(v) + 1e-300 rounds to sqrt(v) for every v in these runs. At
  the default eps the test sets torch's eps to eps / sqrt(1 - beta2^t) before each step, and a
  second test checks a bound, derived below, on the difference with torch's constant eps.
* Nadam: torch.optim.NAdam with momentum_decay = inf, which makes its mu_t = beta1.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from optimizers import (  # noqa: E402
    SGD,
    AdaDelta,
    AdaGrad,
    Adam,
    AdamW,
    AMSGrad,
    Momentum,
    Nadam,
    Nesterov,
    RMSProp,
)

STEPS = 150
TINY = 1e-300  # "eps = 0" for our Adam family (whose eps must be positive)


@pytest.fixture(autouse=True)
def float64_torch():
    """torch keeps NAdam's mu_product and the step counts in the default dtype: float64.

    One intra-op thread: these tensors are tiny, and on a busy machine torch's thread pool
    only waits for cores.
    """
    old_dtype, old_threads = torch.get_default_dtype(), torch.get_num_threads()
    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(1)
    yield
    torch.set_default_dtype(old_dtype)
    torch.set_num_threads(old_threads)


class Problem:
    """The loss, its numpy gradient and its torch autograd gradient."""

    def __init__(self, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.X = rng.standard_normal((40, 6))
        self.Y = (rng.random((40, 3)) < 0.5).astype(np.float64)
        self.C = rng.standard_normal((2, 3, 4))
        self.start = {
            "W": 0.5 * rng.standard_normal((6, 3)),
            "b": 0.1 * rng.standard_normal(3),
            "T": rng.standard_normal((2, 3, 4)),
            "s": np.array(0.3),
            "x": -0.8,
        }

    def numpy_params(self) -> dict:
        return {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in self.start.items()}

    def torch_params(self) -> dict:
        return {k: torch.tensor(np.asarray(v), requires_grad=True) for k, v in self.start.items()}

    def grad(self, p: dict) -> dict:
        z = self.X @ p["W"] + p["b"] + p["s"]
        dz = (1.0 / (1.0 + np.exp(-z)) - self.Y) / z.size
        return {
            "W": self.X.T @ dz + 0.5,
            "b": dz.sum(axis=0) + 0.5,
            "s": np.array(dz.sum() + 1.5),
            "T": np.tanh(p["T"] - self.C) + 1.5,
            "x": 3.0 * math.tanh(3.0 * (p["x"] - 1.0)) + 4.0,
        }

    def backward(self, tp: dict) -> None:
        for p in tp.values():
            p.grad = None
        X, Y, C = (torch.from_numpy(a) for a in (self.X, self.Y, self.C))
        z = X @ tp["W"] + tp["b"] + tp["s"]

        # log(1 + e^z) and log cosh written out: F.softplus switches to z beyond z = 20, whose
        # gradient (exactly 1) would differ from the sigmoid by up to e^-20
        loss = torch.log1p(torch.exp(z)).mean() - (Y * z).mean()
        loss = loss + torch.log(torch.cosh(tp["T"] - C)).sum()
        loss = loss + torch.log(torch.cosh(3.0 * (tp["x"] - 1.0)))
        tilt = 0.5 * tp["W"].sum() + 0.5 * tp["b"].sum() + 1.5 * tp["s"] + 1.5 * tp["T"].sum()
        (loss + tilt + 4.0 * tp["x"]).backward()


def rel_err(ours, theirs) -> float:
    theirs = np.asarray(theirs, dtype=np.float64)
    return float(np.max(np.abs(np.asarray(ours) - theirs)) / np.max(np.abs(theirs)))


def run_both(opt, torch_opt_factory, steps=STEPS, before_step=None, seed=0):
    prob = Problem(seed)
    params, tp = prob.numpy_params(), prob.torch_params()
    topt = torch_opt_factory(list(tp.values()))
    for t in range(1, steps + 1):
        if before_step is not None:
            before_step(t, opt, topt)
        opt.update(params, prob.grad(params))
        prob.backward(tp)
        topt.step()
    return prob, params, tp, topt


# rule -> (ours, torch factory, {our state name: (torch state name, torch -> ours)})
def identity(x):
    return x


CASES = {
    "SGD": (lambda: SGD(lr=0.1), lambda ps: torch.optim.SGD(ps, lr=0.1), {}),
    "Momentum": (
        lambda: Momentum(lr=0.05, momentum=0.85),
        lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.85),
        {"v": ("momentum_buffer", lambda b: -0.05 * b)},  # b = -v / lr
    ),
    "Nesterov": (
        lambda: Nesterov(lr=0.05, momentum=0.85),
        lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.85, nesterov=True),
        {"v": ("momentum_buffer", lambda b: -0.05 * b)},
    ),
    "AdaGrad": (
        lambda: AdaGrad(lr=0.2, eps=1e-7),
        lambda ps: torch.optim.Adagrad(ps, lr=0.2, eps=1e-7),
        {"h": ("sum", identity)},
    ),
    "RMSProp": (
        lambda: RMSProp(lr=0.01, decay_rate=0.9, eps=1e-7),
        lambda ps: torch.optim.RMSprop(ps, lr=0.01, alpha=0.9, eps=1e-7),
        {"h": ("square_avg", identity)},
    ),
    "AdaDelta": (
        lambda: AdaDelta(rho=0.9, eps=1e-6),
        lambda ps: torch.optim.Adadelta(ps, lr=1.0, rho=0.9, eps=1e-6),
        {"Eg2": ("square_avg", identity), "Edx2": ("acc_delta", identity)},
    ),
    "AdaDelta-lr": (
        lambda: AdaDelta(rho=0.95, eps=1e-4, lr=0.5),
        lambda ps: torch.optim.Adadelta(ps, lr=0.5, rho=0.95, eps=1e-4),
        {"Eg2": ("square_avg", identity), "Edx2": ("acc_delta", identity)},
    ),
    "Adam-eps0": (
        lambda: Adam(lr=0.02, beta1=0.8, beta2=0.99, eps=TINY),
        lambda ps: torch.optim.Adam(ps, lr=0.02, betas=(0.8, 0.99), eps=0.0),
        {"m": ("exp_avg", identity), "v": ("exp_avg_sq", identity)},
    ),
    "AdamW-eps0": (
        lambda: AdamW(lr=0.02, beta1=0.8, beta2=0.99, eps=TINY, weight_decay=0.3),
        lambda ps: torch.optim.AdamW(ps, lr=0.02, betas=(0.8, 0.99), eps=0.0, weight_decay=0.3),
        {"m": ("exp_avg", identity), "v": ("exp_avg_sq", identity)},
    ),
    "AMSGrad-eps0": (
        lambda: AMSGrad(lr=0.02, beta1=0.8, beta2=0.99, eps=TINY),
        lambda ps: torch.optim.Adam(ps, lr=0.02, betas=(0.8, 0.99), eps=0.0, amsgrad=True),
        {
            "m": ("exp_avg", identity),
            "v": ("exp_avg_sq", identity),
            "v_max": ("max_exp_avg_sq", identity),
        },
    ),
    "Nadam": (
        lambda: Nadam(lr=0.02, beta1=0.8, beta2=0.99, eps=1e-7),
        lambda ps: torch.optim.NAdam(
            ps, lr=0.02, betas=(0.8, 0.99), eps=1e-7, momentum_decay=math.inf
        ),
        {"m": ("exp_avg", identity), "v": ("exp_avg_sq", identity)},
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_rule_matches_torch(case):
    make, make_torch, state_map = CASES[case]
    opt = make()
    prob, params, tp, topt = run_both(opt, make_torch)
    assert type(params["x"]) is float
    assert set(state_map) == set(opt.state_names)
    for k, p in tp.items():
        assert rel_err(params[k], p.detach().numpy()) <= 1e-12, (case, k)
        # the run went somewhere: a test on parameters that do not move would prove nothing
        assert np.max(np.abs(np.asarray(params[k]) - prob.start[k])) > 0.02, (case, k)
        for ours_name, (torch_name, to_ours) in state_map.items():
            theirs = to_ours(topt.state[p][torch_name].detach().numpy())
            assert rel_err(opt.state[k][ours_name], theirs) <= 1e-12, (case, k, ours_name)
    if "v_max" in opt.state_names:  # the maximum was used: v fell below its peak somewhere
        assert np.max(opt.state["T"]["v_max"] / opt.state["T"]["v"]) > 1.2


def test_nadam_torch_mu_product_is_beta1_to_the_t():
    _, _, tp, topt = run_both(CASES["Nadam"][0](), CASES["Nadam"][1], steps=20)
    for p in tp.values():
        assert float(topt.state[p]["mu_product"]) == pytest.approx(0.8**20, rel=1e-13)


def test_nadam_differs_from_torch_default_momentum_decay():
    """torch's default momentum_decay=0.004 is Dozat's warming-up mu_t: another method."""
    _, params, tp, _ = run_both(
        Nadam(lr=0.02, beta1=0.8, beta2=0.99, eps=1e-7),
        lambda ps: torch.optim.NAdam(ps, lr=0.02, betas=(0.8, 0.99), eps=1e-7),
        steps=50,
    )
    assert max(rel_err(params[k], p.detach().numpy()) for k, p in tp.items()) > 1e-3


@pytest.mark.parametrize(
    "make, make_torch",
    [
        (lambda: Adam(), lambda ps: torch.optim.Adam(ps, lr=0.001, eps=1e-7)),
        (lambda: Adam(lr=0.05, eps=1e-3), lambda ps: torch.optim.Adam(ps, lr=0.05, eps=1e-3)),
        (lambda: AdamW(lr=0.05, eps=1e-3), lambda ps: torch.optim.AdamW(ps, lr=0.05, eps=1e-3)),
        (
            lambda: AMSGrad(lr=0.05, eps=1e-3),
            lambda ps: torch.optim.Adam(ps, lr=0.05, eps=1e-3, amsgrad=True),
        ),
    ],
    ids=["Adam-default", "Adam-eps1e-3", "AdamW-eps1e-3", "AMSGrad-eps1e-3"],
)
def test_adam_family_equals_torch_with_a_step_dependent_eps(make, make_torch):
    """Ours at eps is torch at eps_t = eps / sqrt(1 - beta2^t), exactly."""
    opt = make()

    def set_eps(t, opt, topt):
        topt.param_groups[0]["eps"] = opt.eps / math.sqrt(1.0 - opt.beta2**t)

    prob, params, tp, _ = run_both(opt, make_torch, before_step=set_eps)
    for k, p in tp.items():
        assert rel_err(params[k], p.detach().numpy()) <= 1e-12, k
    # and with torch's constant eps the run is measurably different (eps = 1e-3 cases)
    if opt.eps > 1e-4:
        _, params2, tp2, _ = run_both(make(), make_torch)
        assert max(rel_err(params2[k], p.detach().numpy()) for k, p in tp2.items()) > 1e-6


def adam_bound(t_max: int, lr: float, b1: float, b2: float) -> np.ndarray:
    """Bound on |w_ours - w_torch| after each step t, same gradients fed to both, same eps.

    With c1 = 1 - b1^t, c2 = 1 - b2^t, s = sqrt(v) and the same m, v in both:
        ours  = lr sqrt(c2)/c1 * m / (s + eps)
        torch = lr/c1 * m / (s/sqrt(c2) + eps) = lr sqrt(c2)/c1 * m / (s + a),  a = eps sqrt(c2)
        |ours - torch| = lr sqrt(c2)/c1 |m| (eps - a) / ((s + a)(s + eps)).
    Cauchy-Schwarz on m = (1 - b1) sum b1^k g_k and v = (1 - b2) sum b2^k g_k^2 gives
    |m| <= K_t s with K_t = (1 - b1) / sqrt(1 - b2) * sqrt((1 - q^t) / (1 - q)), q = b1^2 / b2;
    and s eps / ((s + a)(s + eps)) <= 1 / (1 + sqrt(a / eps))^2 (its maximum, at s^2 = a eps).
    So each step adds at most lr K_t sqrt(c2) (1 - sqrt(c2)) / (c1 (1 + c2^(1/4))^2),
    whatever the size of the gradients, and the bound is the running sum.
    """
    t = np.arange(1, t_max + 1, dtype=np.float64)
    c1, c2 = 1.0 - b1**t, 1.0 - b2**t
    q = b1 * b1 / b2
    k = (1.0 - b1) / math.sqrt(1.0 - b2) * np.sqrt((1.0 - q**t) / (1.0 - q))
    per_step = lr * k * np.sqrt(c2) * (1.0 - np.sqrt(c2)) / (c1 * (1.0 + c2**0.25) ** 2)
    return np.cumsum(per_step)


def test_adam_default_eps_within_the_derived_bound_of_torch():
    """Same gradient sequence into ours and torch (both eps = 1e-7): the gap obeys the bound."""
    rng = np.random.default_rng(7)
    n, steps, lr = 2000, 200, 0.001
    scale = 10.0 ** rng.uniform(-9.0, -4.0, n)  # gradients around eps, where eps matters
    sign = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    ours = Adam(lr=lr)
    params = {"w": np.zeros(n)}
    p = torch.zeros(n, requires_grad=True)
    topt = torch.optim.Adam([p], lr=lr, eps=1e-7)
    bound = adam_bound(steps, lr, 0.9, 0.999)
    worst = 0.0
    for t in range(steps):
        g = sign * scale * (1.0 + 0.3 * rng.standard_normal(n))
        ours.update(params, {"w": g})
        p.grad = torch.from_numpy(g.copy())
        topt.step()
        gap = np.max(np.abs(params["w"] - p.detach().numpy()))
        assert gap <= bound[t] * (1.0 + 1e-9), t
        worst = max(worst, gap / bound[t])
    # the gap is real (eps matters at these gradient sizes) and the bound is attained (at t = 1
    # by the gradient with sqrt(v) = eps (1 - beta2)^(1/4))
    assert worst > 0.9
    # and at gradients far above eps the two are the same to ~1e-12
    params = {"w": np.zeros(n)}
    p = torch.zeros(n, requires_grad=True)
    ours, topt = Adam(lr=lr), torch.optim.Adam([p], lr=lr, eps=1e-7)
    for _ in range(steps):
        g = sign * (1.0 + 0.3 * rng.standard_normal(n))
        ours.update(params, {"w": g})
        p.grad = torch.from_numpy(g.copy())
        topt.step()
    assert rel_err(params["w"], p.detach().numpy()) < 1e-6


@pytest.mark.parametrize(
    "cls, nesterov", [(Momentum, False), (Nesterov, True)], ids=["Momentum", "Nesterov"]
)
def test_momentum_under_a_changing_lr_differs_from_torch(cls, nesterov):
    """Ours keeps v in parameter units, torch's buffer is in gradient units (see Momentum).

    Constant gradient g = 1, momentum 0.9, lr 0.1 for 10 steps then 0.01. While lr is
    constant the two are equal; after the change ours still carries the old velocity
    (v_t = 0.9 v_{t-1} - lr_t), torch rescales its whole buffer (step = -lr_t b_t).
    """
    mu = 0.9
    lrs = [0.1] * 10 + [0.01] * 10
    params = {"w": 0.0}
    p = torch.zeros((), requires_grad=True)
    opt = cls(lr=lrs[0], momentum=mu)
    topt = torch.optim.SGD([p], lr=lrs[0], momentum=mu, nesterov=nesterov)
    w_ours, v, w_torch, b = 0.0, 0.0, 0.0, 0.0  # the two closed forms, step by step
    for t, lr in enumerate(lrs):
        opt.lr = lr
        topt.param_groups[0]["lr"] = lr
        opt.update(params, {"w": 1.0})
        p.grad = torch.ones(())
        topt.step()
        v = mu * v - lr
        w_ours += mu * v - lr if nesterov else v
        b = mu * b + 1.0
        w_torch -= lr * (1.0 + mu * b) if nesterov else lr * b
        assert params["w"] == pytest.approx(w_ours, rel=1e-13)
        assert float(p.detach()) == pytest.approx(w_torch, rel=1e-13)
        if t < 10:
            assert params["w"] == pytest.approx(float(p.detach()), rel=1e-13)
    # after the 10 steps at lr 0.01: ours -8.37 (Nesterov -8.63), torch -4.93 (-5.54)
    assert params["w"] - float(p.detach()) < -3.0
