"""Prints what PyTorch computes for the cases Epochal's tests hold as torch's values.

Run with any PyTorch (checked with 1.13 from Debian's python3-torch, which installs for the
system's /usr/bin/python3):

    apt-get install python3-torch && /usr/bin/python3 docs/torch_equations.py

Each block names the Java test that holds its numbers; the numbers are printed with Python's repr
(shortest round-trip form of the double, or of the float32 widened to a double).
"""
import torch


def plateau(lr, metrics, **kwargs):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=lr)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
    rates = []
    for m in metrics:
        sched.step(m)
        rates.append(opt.param_groups[0]["lr"])
    return rates, sched


def scheduled_rates(make_scheduler, lr, steps):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=lr)
    sched = make_scheduler(opt)
    out = []
    for _ in range(steps):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return out


def one_cycle(max_lr, total_steps, **kwargs):
    return scheduled_rates(lambda o: torch.optim.lr_scheduler.OneCycleLR(
        o, max_lr=max_lr, total_steps=total_steps, cycle_momentum=False, **kwargs), max_lr, total_steps)


CYCLE_GRADS = [[0.3, -0.2, 1.5, 0.0], [0.1, 0.4, -2.0, 0.05], [-0.6, 0.25, 0.5, 0.05], [0.2, 0.2, -0.3, -0.1],
               [0.05, -0.5, 0.8, 0.3], [-0.25, 0.1, 0.0, 0.2]]


def cycled_momentum(make_optimizer, **kwargs):
    w = torch.nn.Parameter(torch.tensor([0.5, -1.25, 2.0, 0.1]))
    opt = make_optimizer([w])
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, total_steps=len(CYCLE_GRADS), **kwargs)
    momenta, weights = [], []
    for g in CYCLE_GRADS:
        group = opt.param_groups[0]
        momenta.append(group["betas"][0] if "betas" in group else group["momentum"])
        w.grad = torch.tensor(g)
        opt.step()
        sched.step()
        weights.append(w.detach().tolist())
    return momenta, weights, {k: (v.tolist() if torch.is_tensor(v) else v) for k, v in opt.state[w].items()}


def rmsprop(grads, **kwargs):
    w = torch.nn.Parameter(torch.tensor([0.5, -1.25, 2.0, 0.1]))
    opt = torch.optim.RMSprop([w], **kwargs)
    weights = []
    for g in grads:
        w.grad = torch.tensor(g)
        opt.step()
        weights.append(w.detach().tolist())
    return weights, {k: (v.tolist() if torch.is_tensor(v) else v) for k, v in opt.state[w].items()}


def warm_restarts(lr, steps, **kwargs):
    return scheduled_rates(lambda o: torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, **kwargs), lr, steps)


def hugging_face_linear(warmup, training):
    def factor(step):
        if step < warmup:
            return float(step) / float(max(1, warmup))
        return max(0.0, float(training - step) / float(max(1, training - warmup)))
    return factor


def param_groups(make_optimizer, lrs):
    """Parameters a (in a group of its own rate and decay) and b stepped through CYCLE_GRADS' first rows under
    a StepLR-like sequence of base rates lrs; the weights and state after the last step."""
    a = torch.nn.Parameter(torch.tensor([0.5, -1.25, 2.0, 0.1]))
    b = torch.nn.Parameter(torch.tensor([1.5, -0.75, 0.25, -2.0]))
    opt, scale_a, scale_b = make_optimizer(a, b)
    for lr, g in zip(lrs, CYCLE_GRADS):
        opt.param_groups[0]["lr"] = lr * scale_a
        opt.param_groups[1]["lr"] = lr * scale_b
        a.grad = torch.tensor(g)
        b.grad = torch.tensor(list(reversed(g)))
        opt.step()
    state = {n: {k: (v.tolist() if torch.is_tensor(v) else v) for k, v in opt.state[p].items()}
             for n, p in (("a", a), ("b", b))}
    return a.detach().tolist(), b.detach().tolist(), state


def regression(loss):
    p = torch.tensor([[0.5], [2.0], [-1.0], [3.0], [0.25]], requires_grad=True)
    y = torch.tensor([[0.0], [0.5], [-1.0], [-0.5], [1.25]])
    value = loss(p, y)
    value.backward()
    return float(value), p.grad.flatten().tolist()


def main():
    print("torch", torch.__version__)

    print("\n# ReduceOnPlateauTest: rates after each epoch's step")
    rates, s = plateau(0.1, [1.0, 0.95, 0.92, 0.8, 0.85, 0.84, 0.83, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6],
                       mode="min", factor=0.5, patience=1, threshold=0.1, threshold_mode="rel", cooldown=1,
                       min_lr=0.01)
    print("min/rel:", rates, "best", s.best, "num_bad_epochs", s.num_bad_epochs, "cooldown_counter",
          s.cooldown_counter)
    rates, s = plateau(0.1, [0.5, 0.52, 0.6, 0.61, 0.7, 0.7, 0.71, 0.9], mode="max", factor=0.3, patience=0,
                       threshold=0.05, threshold_mode="abs")
    print("max/abs:", rates, "best", s.best, "num_bad_epochs", s.num_bad_epochs)

    print("\n# LossesTest: CrossEntropyLoss(label_smoothing=e) of the test's logits, float32")
    x = torch.tensor([[1.0, 2.0, 3.0], [0.5, -1.0, 0.0]])
    y = torch.tensor([2, 0])
    for e in (0.0, 0.1, 0.5, 1.0):
        print(e, float(torch.nn.CrossEntropyLoss(label_smoothing=e)(x, y)))

    print("\n# ClassWeightsTest: CrossEntropyLoss(weight=[0.5, 2, 1.5], label_smoothing=e) of four rows, float32: "
          "the loss and its gradient by the logits")
    x = torch.tensor([[1.0, 2.0, 3.0], [0.5, -1.0, 0.0], [0.25, 0.75, -0.5], [2.0, -2.0, 1.0]], requires_grad=True)
    y = torch.tensor([2, 0, 1, 0])
    for e in (0.0, 0.2):
        x.grad = None
        value = torch.nn.CrossEntropyLoss(weight=torch.tensor([0.5, 2.0, 1.5]), label_smoothing=e)(x, y)
        value.backward()
        print(e, float(value), x.grad.flatten().tolist())

    print("\n# LrSchedulesTest: MultiStepLR(milestones=[3, 5], gamma=0.5) from lr 1, per step")
    print(scheduled_rates(lambda o: torch.optim.lr_scheduler.MultiStepLR(o, milestones=[3, 5], gamma=0.5), 1.0, 7))

    print("\n# LrSchedulesTest: the rate before steps 0, 1, 40, 95, 96, 98 of LinearLR(SGD(lr=0.003), "
          "end_factor=0.1, total_iters=96); before steps 0-11 of LinearLR(start_factor=1/3, total_iters=10); "
          "before steps 0, 5, 10, 11, 50, 95, 96, 97 of Hugging Face's linear schedule with 10 warm-up steps of 96 "
          "(LambdaLR)")
    linear = scheduled_rates(
        lambda o: torch.optim.lr_scheduler.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=96), 0.003, 99)
    print("LinearLR:", [linear[i] for i in (0, 1, 40, 95, 96, 98)])
    print("warm-up:", scheduled_rates(
        lambda o: torch.optim.lr_scheduler.LinearLR(o, start_factor=1 / 3, end_factor=1.0, total_iters=10), 0.003, 12))
    hf = scheduled_rates(lambda o: torch.optim.lr_scheduler.LambdaLR(o, hugging_face_linear(10, 96)), 0.003, 98)
    print("Hugging Face:", [hf[i] for i in (0, 5, 10, 11, 50, 95, 96, 97)])

    print("\n# ParamGroupsStepTest: a in a group at a tenth of the rate (0.5 for sgd), decayed; b at the rate, not "
          "decayed; base rates 0.01, 0.005, 0.0025, 0.00125 (StepLR(step_size=1, gamma=0.5))")
    lrs = [0.01, 0.005, 0.0025, 0.00125]
    print("adamw:", param_groups(lambda a, b: (torch.optim.AdamW(
        [{"params": [a]}, {"params": [b], "weight_decay": 0.0}], lr=0.01, weight_decay=0.05), 0.1, 1.0), lrs))
    print("adam:", param_groups(lambda a, b: (torch.optim.Adam(
        [{"params": [a]}, {"params": [b], "weight_decay": 0.0}], lr=0.01, weight_decay=0.05), 0.1, 1.0), lrs))
    print("sgd:", param_groups(lambda a, b: (torch.optim.SGD(
        [{"params": [a]}, {"params": [b], "weight_decay": 0.0}], lr=0.01, momentum=0.9, weight_decay=0.05), 0.5,
        1.0), lrs))
    print("rmsprop:", param_groups(lambda a, b: (torch.optim.RMSprop(
        [{"params": [a]}, {"params": [b], "weight_decay": 0.0}], lr=0.01, weight_decay=0.05), 0.1, 1.0), lrs))

    print("\n# GradientClippingTest: clip_grad_norm_(max_norm=6.5) of gradients [3, 4] and [8, 8, 4, 0]")
    a = torch.nn.Parameter(torch.zeros(2))
    b = torch.nn.Parameter(torch.zeros(4))
    a.grad = torch.tensor([3.0, 4.0])
    b.grad = torch.tensor([8.0, 8.0, 4.0, 0.0])
    total = torch.nn.utils.clip_grad_norm_([a, b], 6.5)
    print("total", float(total), "a", a.grad.tolist(), "b", b.grad.tolist())

    print("\n# GradientClippingTest: clip_grad_value_(clip_value=0.3) of gradients [3, -4, 0.1, nan] and [-0.25, 0.5, "
          "2, -0.3]")
    a = torch.nn.Parameter(torch.zeros(4))
    b = torch.nn.Parameter(torch.zeros(4))
    a.grad = torch.tensor([3.0, -4.0, 0.1, float("nan")])
    b.grad = torch.tensor([-0.25, 0.5, 2.0, -0.3])
    torch.nn.utils.clip_grad_value_([a, b], 0.3)
    print("a", a.grad.tolist(), "b", b.grad.tolist())

    print("\n# RmsPropTest: RMSprop of w = [0.5, -1.25, 2, 0.1] over three gradients, the weights after each step "
          "and the state after the last")
    grads = [[0.3, -0.2, 1.5, 0.0], [0.1, 0.4, -2.0, 0.05], [-0.6, 0.25, 0.5, 0.05]]
    print("lr 0.01:", rmsprop(grads, lr=0.01))
    print("lr 0.05, alpha 0.9, eps 1e-6, weight_decay 0.1, momentum 0.8, centered:",
          rmsprop(grads, lr=0.05, alpha=0.9, eps=1e-6, weight_decay=0.1, momentum=0.8, centered=True))

    print("\n# RegressionLossesTest: loss and gradient of predictions [0.5, 2, -1, 3, 0.25] against labels "
          "[0, 0.5, -1, -0.5, 1.25] (one output per row)")
    print("L1Loss:", regression(torch.nn.L1Loss()))
    print("HuberLoss(delta=1):", regression(torch.nn.HuberLoss()))
    print("HuberLoss(delta=2):", regression(torch.nn.HuberLoss(delta=2.0)))
    print("HuberLoss(delta=0.3):", regression(torch.nn.HuberLoss(delta=0.3)))
    print("SmoothL1Loss(beta=1):", regression(torch.nn.SmoothL1Loss()))
    print("SmoothL1Loss(beta=2):", regression(torch.nn.SmoothL1Loss(beta=2.0)))
    print("SmoothL1Loss(beta=0.3):", regression(torch.nn.SmoothL1Loss(beta=0.3)))
    print("SmoothL1Loss(beta=0), L1Loss from torch 2.1 (torch 1.13 gave -1/n at a difference of 0):",
          regression(torch.nn.SmoothL1Loss(beta=0.0)))

    print("\n# CosineRestartsTest: CosineAnnealingWarmRestarts, the rate before each step")
    print("T_0=4:", warm_restarts(0.1, 10, T_0=4))
    print("T_0=3, T_mult=2, eta_min=0.01:", warm_restarts(0.5, 22, T_0=3, T_mult=2, eta_min=0.01))

    print("\n# OneCycleTest: OneCycleLR(cycle_momentum=False), the rate before each step")
    print("defaults:", one_cycle(1.0, 10))
    print("three phases:", one_cycle(0.5, 20, pct_start=0.25, anneal_strategy="linear", div_factor=10.0,
                                     final_div_factor=100.0, three_phase=True))
    print("pct_start 0:", one_cycle(1.0, 10, pct_start=0.0)[:2])
    print("\n# OneCycleTest, CycledMomentumTest: OneCycleLR(cycle_momentum=True) over six gradients from "
          "w = [0.5, -1.25, 2, 0.1]: the group's momentum (or betas[0]) before each step, the weights after each, "
          "the state after the last")
    cases = [
        ("SGD(lr=0.1, momentum=0.9), max_lr 0.1", lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9),
         dict(max_lr=0.1)),
        ("SGD(lr=0.1, momentum=0.9, nesterov, weight_decay=0.01), three linear phases, pct_start 0.4, momentum 0.8-0.9",
         lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
         dict(max_lr=0.1, three_phase=True, anneal_strategy="linear", pct_start=0.4, base_momentum=0.8,
              max_momentum=0.9)),
        ("Adam(lr=0.01), max_lr 0.01", lambda p: torch.optim.Adam(p, lr=0.01), dict(max_lr=0.01)),
        ("AdamW(lr=0.01, amsgrad=True), max_lr 0.01", lambda p: torch.optim.AdamW(p, lr=0.01, amsgrad=True),
         dict(max_lr=0.01)),
        ("RMSprop(lr=0.01, momentum=0.5), max_lr 0.01", lambda p: torch.optim.RMSprop(p, lr=0.01, momentum=0.5),
         dict(max_lr=0.01)),
    ]
    for name, make, kwargs in cases:
        momenta, weights, state = cycled_momentum(make, **kwargs)
        print(name + ":")
        print("  momentum", momenta)
        for i, w in enumerate(weights):
            print("  w after step", i, w)
        print("  state", state)
    try:
        one_cycle(1.0, 10, pct_start=0.1)
    except ZeroDivisionError as e:
        print("pct_start 0.1: ZeroDivisionError", e)


if __name__ == "__main__":
    main()
