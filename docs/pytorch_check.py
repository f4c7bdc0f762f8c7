#!/usr/bin/env python3
"""Loads Epochal checkpoints into their torch.nn modules and checks the probe.

For every checkpoint directory given (an epoch-NNNNNN directory), this script
  1. builds the module that worker/MODELS.md writes out for the manifest's model
     (mlp, mlp-offset or cnn, version 1) from the manifest's hyperparameters,
  2. loads model.safetensors (or the shards listed in model.safetensors.index.json)
     with load_state_dict(strict=True),
  3. runs probe.input through the module in eval mode and compares the result with
     probe.output, the output Epochal recorded when it saved the checkpoint (within
     1e-4 + 1e-4 x |recorded|, the rule Epochal's own probe applies across runtimes),
  4. checks that every optimizer tensor is named after a model parameter,
  5. for a job with train.ema_decay, loads ema.safetensors (the moving average) into the module the same
     way and compares its output with probe.ema_output, the average's recorded output.

Needs torch and safetensors (pip install torch safetensors; numpy too, or torch warns that
it cannot initialise NumPy, which this script does not use). Exit status 0 when every
checkpoint passes, 1 when one fails its checks, 2 when none failed but one could not be
checked (a path that is no checkpoint directory, said with what to give instead; a model of
one's own, which this script has no torch.nn module for: load such a checkpoint into your own
module as worker/MODELS.md shows).

    python3 docs/pytorch_check.py /tmp/epochal/quickstart/checkpoints/epoch-000003
"""
import json
import os
import sys

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    from safetensors.torch import load_file
except ModuleNotFoundError as missing:
    print(f"pytorch_check.py: needs PyTorch and safetensors ({missing}); install them with "
          f"'pip install torch safetensors' and run it again", file=sys.stderr)
    sys.exit(2)  # not checked, as for a path that is no checkpoint: 1 means a check failed

ACT = {"relu": nn.ReLU, "tanh": nn.Tanh, "gelu": nn.GELU, "sigmoid": nn.Sigmoid}
# another engine build may sum in another order (Epochal itself reproduces its bits): an output passes within
# ABSOLUTE + RELATIVE x |recorded|, the rule Epochal's own probe applies across runtimes
ABSOLUTE, RELATIVE = 1e-4, 1e-4


class Mlp(nn.Module):
    def __init__(self, input_dim, hidden, output_dim, activation="relu", dropout=0.0):
        super().__init__()
        mods, width = [], input_dim
        for h in hidden:
            mods += [nn.Linear(width, h), ACT[activation](), nn.Dropout(dropout)]
            width = h
        mods.append(nn.Linear(width, output_dim))
        self.layers = nn.Sequential(*mods)

    def forward(self, x):
        return self.layers(x)


class MlpOffset(nn.Module):
    def __init__(self, input_dim, hidden, output_dim, activation="relu", dropout=0.0):
        super().__init__()
        self.register_buffer("offset", torch.zeros(output_dim))
        self.layers = Mlp(input_dim, hidden, output_dim, activation, dropout).layers

    def forward(self, x):
        return self.layers(x) + self.offset


class Cnn(nn.Module):
    def __init__(self, image_size=28, in_channels=1, channels=16, classes=10):
        super().__init__()
        c = channels
        self.conv1 = nn.Conv2d(in_channels, c, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(c)
        self.conv2 = nn.Conv2d(c, 2 * c, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(2 * c)
        self.fc = nn.Linear(2 * c, classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.relu(self.bn2(self.conv2(x)))
        x = x.mean(dim=(2, 3))
        return self.fc(x)


class NotWritten(Exception):
    """The manifest names a model this script has no torch.nn module for."""


def build(manifest):
    name, version = manifest["model"]["name"], str(manifest["model"]["version"])
    hp = {k[len("model."):]: v for k, v in manifest["hyperparameters"].items() if k.startswith("model.")}
    if version != "1":
        raise NotWritten(f"no torch.nn module written out for {name} v{version}")
    if name in ("mlp", "mlp-offset"):
        cls = Mlp if name == "mlp" else MlpOffset
        return cls(hp["input_dim"], hp.get("hidden", [256, 256]), hp["output_dim"],
                   hp.get("activation", "relu"), hp.get("dropout", 0.0))
    if name == "cnn":
        return Cnn(hp.get("image_size", 28), hp.get("in_channels", 1), hp.get("channels", 16), hp["classes"])
    raise NotWritten(f"no torch.nn module written out for {name} v{version}")


def load_state(directory, name):
    """name.safetensors, or the shards name.safetensors.index.json lists; None if neither exists."""
    single = os.path.join(directory, name + ".safetensors")
    if os.path.exists(single):
        return load_file(single)
    index_path = os.path.join(directory, name + ".safetensors.index.json")
    if not os.path.exists(index_path):
        return None
    with open(index_path) as f:
        index = json.load(f)
    state = {}
    for shard in sorted(set(index["weight_map"].values())):
        state.update(load_file(os.path.join(directory, shard)))
    return state


def outside(output, recorded):
    """How many elements of output differ from recorded by more than ABSOLUTE + RELATIVE x |recorded|."""
    # isclose: |output - recorded| <= ABSOLUTE + RELATIVE x |recorded|; equal infinities match, NaN matches NaN only
    close = torch.isclose(output, recorded, rtol=RELATIVE, atol=ABSOLUTE, equal_nan=True)
    return int((~close).sum().item())


class CheckFailed(Exception):
    """A checkpoint directory that fails a check: a file missing or unreadable, a load that is not strict."""


def model_state(directory):
    state = load_state(directory, "model")
    if state is None:
        raise CheckFailed("neither model.safetensors nor model.safetensors.index.json")
    return state


class NotACheckpoint(Exception):
    """The path given is no checkpoint directory (a job directory, a mistyped epoch, a file)."""


def checkpoint_directory(directory):
    """Raises NotACheckpoint, saying what to give instead, unless directory holds a manifest."""
    if os.path.isfile(os.path.join(directory, "manifest.json")):
        return
    checkpoints = directory if os.path.basename(os.path.normpath(directory)) == "checkpoints" \
        else os.path.join(directory, "checkpoints")
    if os.path.isdir(checkpoints):
        epochs = sorted(e for e in os.listdir(checkpoints) if e.startswith("epoch-"))
        held = f"; it holds {', '.join(epochs)}" if epochs else "; it holds no checkpoint yet"
        raise NotACheckpoint(f"a job directory or its checkpoints/, not one checkpoint: give an epoch directory, "
                             f"{os.path.join(checkpoints, epochs[-1] if epochs else 'epoch-NNNNNN')}{held}")
    if not os.path.exists(directory):
        parent = os.path.dirname(os.path.normpath(directory))
        epochs = sorted(e for e in os.listdir(parent) if e.startswith("epoch-")) if os.path.isdir(parent) else []
        raise NotACheckpoint("no such directory" + (f"; {parent} holds {', '.join(epochs)}" if epochs else ""))
    raise NotACheckpoint("no manifest.json: not a checkpoint directory (give <job>/checkpoints/epoch-NNNNNN)")


def check(directory):
    checkpoint_directory(directory)
    with open(os.path.join(directory, "manifest.json")) as f:
        manifest = json.load(f)
    module = build(manifest)
    state = model_state(directory)
    try:
        module.load_state_dict(state, strict=True)
    except RuntimeError as e:  # names or shapes that are not the module's: the check this script is for
        raise CheckFailed(f"load_state_dict(strict=True) refused model.safetensors: {e}") from e
    module.eval()
    probe = load_state(directory, "probe")  # sharded too when its tensors pass epochal.checkpoint.shard-bytes
    if probe is None:
        raise CheckFailed("neither probe.safetensors nor probe.safetensors.index.json")
    with torch.no_grad():
        out = module(probe["probe.input"])
    diff = (out - probe["probe.output"]).abs().max().item()
    within = outside(out, probe["probe.output"]) == 0
    average = load_state(directory, "ema")
    average_text = ""
    if average is not None:  # the moving average: the same module, its own recorded output
        module.load_state_dict(average, strict=True)
        with torch.no_grad():
            average_out = module(probe["probe.input"])
        average_diff = (average_out - probe["probe.ema_output"]).abs().max().item()
        within = within and outside(average_out, probe["probe.ema_output"]) == 0
        diff = max(diff, average_diff)
        average_text = f", moving average's probe max |diff| {average_diff:.3g}"
    params = {n for n, _ in module.named_parameters()}
    optimizer = load_state(directory, "optimizer") or {}  # an optimizer without state (plain SGD) has none
    strays = [n for n in optimizer if n.rsplit(".", 1)[0] not in params]
    ok = within and not strays
    print(f"{'ok  ' if ok else 'FAIL'} {directory}: {manifest['model']['name']} v{manifest['model']['version']}, "
          f"{len(state)} tensors loaded strictly, probe max |diff| {diff:.3g}{average_text} "
          f"(tolerance {ABSOLUTE} + {RELATIVE} x |recorded|), "
          f"optimizer tensors named after parameters: {'yes' if not strays else strays}")
    return ok


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)  # nothing checked: 1 means a check failed
    print(f"torch {torch.__version__}")
    results = []
    for d in sys.argv[1:]:
        try:
            results.append(check(d))
        except NotWritten as e:
            print(f"skip {d}: {e}")
            results.append(None)
        except NotACheckpoint as e:
            print(f"not checked {d}: {e}")
            results.append(None)
        except CheckFailed as e:
            print(f"FAIL {d}: {e}")
            results.append(False)
        except Exception as e:  # a damaged file (safetensors' SafetensorError, OSError, ...): this directory fails
            print(f"FAIL {d}: {type(e).__name__}: {e}")
            results.append(False)
    sys.exit(1 if False in results else 2 if None in results else 0)
