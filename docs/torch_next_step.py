#!/usr/bin/env python3
"""Continues an Epochal checkpoint in torch.optim for one step and compares it with the next checkpoint.

For a job whose every epoch is one optimizer step on all its rows (train.workers=1, train.local_steps=1,
train.batch_size at least the rows, no accumulation, no clipping, model mlp without dropout, loss
softmax_cross_entropy, csv data), this script
  1. loads checkpoint epoch-N's model.safetensors into the torch.nn module of worker/MODELS.md,
  2. builds the torch optimizer the manifest names with the job's parameter groups (train.lr_scale,
     train.no_weight_decay) as docs/EXPORT.md builds it, at the rate the manifest gives for the next step,
     and loads optimizer.safetensors into it (parameters of train.freeze get requires_grad_(False) while
     frozen, and no state),
  3. takes one step on all the job's rows (with data.weight, on the rows' weighted mean of
     CrossEntropyLoss(reduction="none"), divided by sum(s * w[y]) with loss.class_weights), and compares
     the weights and the optimizer state with checkpoint epoch-(N+1);
  4. for a job with train.ema_decay, loads ema.safetensors into torch.optim.swa_utils.AveragedModel(model,
     avg_fn=lambda e, p, n: decay * e + (1 - decay) * p, use_buffers=True), updates it after the step when
     (step + 1) % train.ema_every_n_steps == 0 (the first such update copying) and compares it with
     epoch-(N+1)'s ema.safetensors; with train.ema_warmup the decay of an update is
     min(decay, 1 - (1 + n / gamma) ** -power) for the n updates before it, as timm's ModelEmaV3.

Needs PyTorch and pandas (Debian: apt-get install python3-torch python3-pandas). Exit status 0 when every
tensor is within the tolerance (1e-5, of the tensor's largest magnitude when that is above 1), 1 when one is
not, 2 when nothing was checked: the job or the checkpoints are not of that kind, PyTorch or pandas is
missing, or the arguments are not a job directory and an epoch (said why).

    python3 docs/torch_next_step.py /tmp/epochal/steps 1
"""
import fnmatch
import json
import os
import struct
import sys

try:
    import pandas as pd
    import torch
    import torch.nn as nn
except ModuleNotFoundError as missing:
    print(f"torch_next_step.py: needs PyTorch and pandas ({missing})", file=sys.stderr)
    sys.exit(2)  # not checked: 1 means a tensor is not within the tolerance

# of the tensor's largest magnitude when that is above 1: DJL and torch sum a batch's gradients in other orders,
# which centered RMSprop's division by the gradients' variance magnifies to ~16 float32 ulps of its momentum buffer
TOLERANCE = 1e-5
ACT = {"relu": nn.ReLU, "tanh": nn.Tanh, "gelu": nn.GELU, "sigmoid": nn.Sigmoid}
STATE = {"adam": ("step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"), "adamw": ("step", "exp_avg", "exp_avg_sq",
         "max_exp_avg_sq"), "sgd": ("momentum_buffer",), "rmsprop": ("step", "square_avg", "momentum_buffer",
                                                                     "grad_avg")}


def refuse(reason):
    print(f"torch_next_step.py: {reason}", file=sys.stderr)
    sys.exit(2)


def load(path):
    """The float32 tensors of a safetensors file (read by hand: the format is a JSON header and raw bytes)."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        if t["dtype"] != "F32":
            refuse(f"{path}: '{name}' is {t['dtype']}; this script reads float32 tensors only")
        a, b = t["data_offsets"]
        out[name] = torch.frombuffer(bytearray(data[a:b]), dtype=torch.float32).reshape(t["shape"]).clone() \
            if b > a else torch.zeros(t["shape"])
    return out


class Mlp(nn.Module):
    """worker/MODELS.md's mlp v1."""

    def __init__(self, input_dim, hidden, output_dim, activation):
        super().__init__()
        layers, width = [], input_dim
        for h in hidden:
            layers += [nn.Linear(width, h), ACT[activation](), nn.Dropout(0.0)]
            width = h
        layers.append(nn.Linear(width, output_dim))
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        return self.layers(x)


def difference(actual, expected):
    """The largest absolute difference, relative to the expected tensor's largest magnitude when that is above 1."""
    actual = torch.as_tensor(actual, dtype=torch.float32)
    return (actual - expected).abs().max().item() / max(1.0, expected.abs().max().item()) if expected.numel() else 0.0


def columns(spec):
    if ".." in spec:
        first, last = spec.split("..")
        prefix = first.rstrip("0123456789")
        return [f"{prefix}{i}" for i in range(int(first[len(prefix):]), int(last[len(prefix):]) + 1)]
    return [c.strip() for c in spec.split(",")]


def data_files(local):
    """The files Spark reads under data.path: every file, but names beginning with _ or . (a partition
    directory k=v excepted), as its file listing skips them (held-out rows in data.path/_held among them)."""
    if not os.path.isdir(local):
        return [local]
    found = []
    for root, dirs, files in os.walk(local):
        dirs[:] = [d for d in dirs if not d.startswith(".") and (not d.startswith("_") or "=" in d)]
        found += [os.path.join(root, f) for f in files if not f.startswith(("_", "."))]
    return sorted(found)


def main(job, epoch):
    here = os.path.join(job, "checkpoints", f"epoch-{epoch:06d}")
    there = os.path.join(job, "checkpoints", f"epoch-{epoch + 1:06d}")
    for d in (here, there):
        if not os.path.isfile(os.path.join(d, "manifest.json")):
            refuse(f"{d} is no checkpoint directory (give a job directory and an epoch N whose next epoch is "
                   f"checkpointed too)")
    manifest = json.load(open(os.path.join(here, "manifest.json")))
    hp = manifest["hyperparameters"]
    rows = int(manifest["metrics"].get("data_rows", 0))
    checks = [(hp.get("model.name") == "mlp" and float(hp.get("model.dropout", 0)) == 0, "model mlp without dropout"),
              (hp.get("loss") == "softmax_cross_entropy", "loss softmax_cross_entropy"),
              (int(hp.get("train.workers", 0)) == 1 and int(hp.get("train.local_steps", 0)) == 1,
               "train.workers=1 and train.local_steps=1"),
              (int(hp.get("train.batch_size", 0)) >= rows > 0, "train.batch_size of at least the rows"),
              (int(hp.get("train.accumulate_grad_batches", 1)) == 1, "no train.accumulate_grad_batches"),
              (float(hp.get("train.clip_grad_norm", 0)) == 0 and float(hp.get("train.clip_grad_value", 0)) == 0,
               "no clipping"),
              (hp.get("data.format") == "csv" and str(hp.get("data.path", "")).startswith("file:"),
               "csv data on the local file system"),
              (hp.get("optimizer.name") in STATE, "optimizer adam, adamw, sgd or rmsprop")]
    for ok, what in checks:
        if not ok:
            refuse(f"{job}: every epoch must be one step on all rows; this job lacks: {what}")

    hidden = hp.get("model.hidden", [256, 256])
    hidden = [int(h) for h in (hidden.split(",") if isinstance(hidden, str) else hidden) if str(h).strip()]
    model = Mlp(int(hp["model.input_dim"]), hidden, int(hp["model.output_dim"]), hp.get("model.activation", "relu"))
    model.load_state_dict(load(os.path.join(here, "model.safetensors")), strict=True)
    local = "/" + hp["data.path"][len("file:"):].lstrip("/")
    skipped = int(manifest["metrics"].get("skipped_rows", 0))
    if skipped:
        refuse(f"{job}: epoch {epoch} skipped {skipped} bad rows (data.bad_rows=skip), which this check would read: "
               f"give it the rows without them")
    files = data_files(local)
    if not files:
        refuse(f"{job}: no data file under {local}")
    data = pd.concat([pd.read_csv(f) for f in files])
    if len(data) != rows:
        refuse(f"{job}: {len(data)} rows under {local}, but epoch {epoch} trained on {rows} (its data_rows): the "
               f"data changed since, and the step would not be the job's")
    x = torch.tensor(data[columns(hp["data.features"])].values, dtype=torch.float32)
    y = torch.tensor(data[hp["data.label"]].values, dtype=torch.long)

    # train.freeze for the epoch being trained (the next one): frozen parameters have no gradient
    frozen_patterns = [p.strip() for p in hp.get("train.freeze", "").split(",") if p.strip()]
    frozen_epochs = int(hp.get("train.freeze_epochs", 0))
    still_frozen = frozen_epochs == 0 or epoch + 1 <= frozen_epochs
    for pname, p in model.named_parameters():
        p.requires_grad_(not (still_frozen and any(fnmatch.fnmatchcase(pname, f) for f in frozen_patterns)))

    # the parameter groups, as docs/EXPORT.md builds them
    name = hp["optimizer.name"]
    lr = manifest["lr_schedule"]["schedule.lr"]
    wd = float(hp.get("optimizer.weight_decay", 0))
    scales = [e.rsplit(":", 1) for e in hp.get("train.lr_scale", "").split(",") if e.strip()]
    no_decay = [p.strip() for p in hp.get("train.no_weight_decay", "").split(",") if p.strip()]
    groups = {}
    for pname, p in model.named_parameters():
        scale = next((float(s) for pat, s in scales if fnmatch.fnmatchcase(pname, pat.strip())), 1.0)
        decays = not any(fnmatch.fnmatchcase(pname, pat) for pat in no_decay)
        groups.setdefault((scale, decays), []).append((pname, p))
    param_groups = [{"params": [p for _, p in ps], "lr": lr * scale, "weight_decay": wd if decays else 0.0}
                    for (scale, decays), ps in groups.items()]
    order = [pname for ps in groups.values() for pname, _ in ps]
    if name in ("adam", "adamw"):
        optimizer = (torch.optim.Adam if name == "adam" else torch.optim.AdamW)(
            param_groups, lr=lr, betas=(hp["optimizer.beta1"], hp["optimizer.beta2"]), eps=hp["optimizer.eps"],
            amsgrad=hp["optimizer.amsgrad"])
    elif name == "rmsprop":
        optimizer = torch.optim.RMSprop(param_groups, lr=lr, alpha=hp["optimizer.alpha"], eps=hp["optimizer.eps"],
                                        momentum=hp["optimizer.momentum"], centered=hp["optimizer.centered"])
    else:
        optimizer = torch.optim.SGD(param_groups, lr=lr, momentum=hp["optimizer.momentum"],
                                    dampening=hp["optimizer.dampening"], nesterov=hp["optimizer.nesterov"])
    # schedule.cycle_momentum: Epochal steps with the scheduled momentum (beta1), as torch's OneCycleLR sets it
    momentum = manifest["lr_schedule"].get("schedule.momentum")
    if momentum is not None:
        for group in optimizer.param_groups:
            if "betas" in group:
                group["betas"] = (float(momentum), group["betas"][1])
            else:
                group["momentum"] = float(momentum)
    saved = load(os.path.join(here, "optimizer.safetensors"))
    sd = optimizer.state_dict()
    for i, pname in enumerate(order):
        state = {k: saved[f"{pname}.{k}"] for k in STATE[name] if f"{pname}.{k}" in saved}
        if state:  # a parameter frozen so far has none: torch creates it at its first step, as Epochal does
            sd["state"][i] = state
    optimizer.load_state_dict(sd)

    decay = float(hp.get("train.ema_decay", 0))
    average = None
    updates = False
    if decay > 0:  # the moving average, continued as AveragedModel continues: n_averaged > 0 blends
        warmup = str(hp.get("train.ema_warmup", "false")).lower() == "true"
        power = float(hp.get("train.ema_warmup_power", 2 / 3))
        gamma = float(hp.get("train.ema_warmup_gamma", 1))

        def decay_of(n):  # timm's ModelEmaV3(use_warmup=True) given the n updates before this one
            return min(decay, 1 - (1 + n.item() / gamma) ** -power) if warmup else decay

        average = torch.optim.swa_utils.AveragedModel(
            model, avg_fn=lambda e, p, n: decay_of(n) * e + (1 - decay_of(n)) * p, use_buffers=True)
        average.module.load_state_dict(load(os.path.join(here, "ema.safetensors")), strict=True)
        every = int(hp.get("train.ema_every_n_steps", 1))
        step = int(manifest["global_step"])  # the 0-based index of the step about to be taken
        average.n_averaged.fill_((step + 1) // every - 1)  # updates before this step's; 0: the first copies
        updates = (step + 1) % every == 0

    optimizer.zero_grad()
    weights = [float(w) for w in str(hp.get("loss.class_weights", "")).split(",") if w.strip()]
    sample = str(hp.get("data.weight", "")).strip()  # data.weight: the rows' weighted mean of the per-row losses
    loss = nn.CrossEntropyLoss(weight=torch.tensor(weights) if weights else None,
                               label_smoothing=float(hp.get("loss.label_smoothing", 0)),
                               reduction="none" if sample else "mean")
    value = loss(model(x), y)
    if sample:
        s = torch.tensor(data[sample].values, dtype=torch.float32)
        value = (value * s).sum() / (s * (torch.tensor(weights)[y] if weights else 1)).sum()
    value.backward()
    optimizer.step()
    if updates:  # else the next checkpoint holds the same average
        average.update_parameters(model)

    expected = load(os.path.join(there, "model.safetensors"))
    expected_state = load(os.path.join(there, "optimizer.safetensors"))
    worst = 0.0
    print(f"{len(groups)} parameter group(s), rate {lr}; torch's step from epoch {epoch} against epoch {epoch + 1}:")
    for pname, p in model.named_parameters():
        diffs = [("weights", difference(p.detach(), expected[pname]))]
        for k, v in optimizer.state[p].items():
            if v is None:  # torch 1.13's SGD keeps momentum_buffer None without momentum; Epochal keeps nothing
                continue
            key = f"{pname}.{k}"
            if key in expected_state:
                diffs.append((k, difference(v, expected_state[key])))
            else:
                diffs.append((k, float("inf")))
        if not any(v is not None for v in optimizer.state[p].values()) and any(
                n.startswith(pname + ".") for n in expected_state):
            diffs.append(("state", float("inf")))  # Epochal kept state torch did not
        worst = max([worst] + [d for _, d in diffs])
        print(f"  {pname:20s} " + "  ".join(f"{k} {d:.3g}" for k, d in diffs))
    if average is not None:
        expected_average = load(os.path.join(there, "ema.safetensors"))
        diffs = [difference(t, expected_average[k]) for k, t in average.module.state_dict().items()]
        worst = max([worst] + diffs)
        if not updates:
            blend = f"not updated at this step: train.ema_every_n_steps = {every}"
        elif average.n_averaged.item() <= 1:
            blend = "its first update, a copy of the model"
        else:  # the update blended with the decay of the updates before it
            blend = f"decay {decay_of(average.n_averaged - 1):.6g} of {decay}, warming up" if warmup \
                else f"decay {decay}"
        print(f"  moving average ({blend}) of {len(diffs)} tensors: largest difference {max(diffs):.3g}")
    print(f"largest difference {worst:.3g} (tolerance {TOLERANCE})")
    return 0 if worst <= TOLERANCE else 1


if __name__ == "__main__":
    if len(sys.argv) != 3 or not sys.argv[2].isdigit():
        print(__doc__, file=sys.stderr)
        sys.exit(2)  # nothing checked: 1 means a tensor is not within the tolerance
    sys.exit(main(sys.argv[1], int(sys.argv[2])))
