#!/usr/bin/env python3
"""PyTorch reference for `purifybench bench`: the same models, batch sizes, threads and protocol.

The models mirror PurifyBench's SameDiff graphs (platform/core .../model/Architectures.java):
cnn-small  = conv(w)-conv(w)-pool-conv(2w)-conv(2w)-pool-fc, each 3x3 conv without bias followed
             by BatchNorm and ReLU;
preact-resnet18 = pre-activation ResNet-18 (He et al. 2016) with stages w, 2w, 4w, 8w.
A train step = forward, mean cross-entropy, backward, SGD (momentum 0.9, Nesterov, weight decay
5e-4) on a mini-batch taken from a shuffled in-memory tensor, as PurifyBench's trainer does.
Prints one JSON object per configuration on stdout; the Java side computes the ratios.
"""
import argparse
import json
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def conv_bn_relu(cin, cout):
    return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]


def cnn_small(channels, size, width, classes):
    w = width
    return nn.Sequential(*conv_bn_relu(channels, w), *conv_bn_relu(w, w), nn.MaxPool2d(2),
                         *conv_bn_relu(w, 2 * w), *conv_bn_relu(2 * w, 2 * w), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(2 * w * (size // 4) * (size // 4), classes))


class PreActBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.shortcut = nn.Conv2d(cin, cout, 1, stride, bias=False) if stride != 1 or cin != cout else None

    def forward(self, x):
        pre = F.relu(self.bn1(x))
        shortcut = self.shortcut(pre) if self.shortcut is not None else x
        y = self.conv1(pre)
        y = self.conv2(F.relu(self.bn2(y)))
        return y + shortcut


class PreActResNet18(nn.Module):
    def __init__(self, channels, width, classes):
        super().__init__()
        self.conv = nn.Conv2d(channels, width, 3, 1, 1, bias=False)
        blocks, cin = [], width
        for stage, stride in enumerate([1, 2, 2, 2]):
            cout = width * 2 ** stage
            for block in range(2):
                blocks.append(PreActBlock(cin, cout, stride if block == 0 else 1))
                cin = cout
        self.blocks = nn.Sequential(*blocks)
        self.bn = nn.BatchNorm2d(cin)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        x = self.blocks(self.conv(x))
        return self.fc(F.relu(self.bn(x)).mean((2, 3)))


def build(arch, channels, size, width, classes):
    if arch == "cnn-small":
        return cnn_small(channels, size, width, classes)
    if arch == "preact-resnet18":
        return PreActResNet18(channels, width, classes)
    raise SystemExit("unknown architecture " + arch)


def reset_peak_rss():
    # Writing 5 to clear_refs resets VmHWM (Linux >= 4.0), so each configuration has its own peak.
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def peak_rss_bytes():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return -1


def bench(arch, channels, size, width, batch, steps, warmup, repeats, seed):
    torch.manual_seed(seed)
    model = build(arch, channels, size, width, 10)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True, weight_decay=5e-4)
    n = batch * steps
    images = torch.rand(n, channels, size, size)
    labels = torch.randint(0, 10, (n,))
    reset_peak_rss()

    def train_epoch(count):
        model.train()
        order = torch.randperm(n)
        for b in range(count):
            idx = order[b * batch:(b + 1) * batch]
            x, y = images[idx], labels[idx]
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()

    x_eval = images[:batch]

    def infer(count):
        model.eval()
        with torch.no_grad():
            for _ in range(count):
                model(x_eval).argmax(1)

    train_epoch(warmup)
    infer(warmup)
    train_times, infer_times = [], []
    for _ in range(repeats):
        t = time.perf_counter()
        train_epoch(steps)
        train_times.append((time.perf_counter() - t) / steps)
        t = time.perf_counter()
        infer(steps)
        infer_times.append((time.perf_counter() - t) / steps)
    return {"arch": arch, "channels": channels, "size": size, "width": width, "batch": batch,
            "trainStepSeconds": statistics.median(train_times), "inferBatchSeconds": statistics.median(infer_times),
            "trainRuns": train_times, "inferRuns": infer_times, "peakRssBytes": peak_rss_bytes(),
            "torch": torch.__version__, "threads": torch.get_num_threads()}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--config", action="append", required=True,
                   help="ARCH:CHANNELS:SIZE:WIDTH:BATCH:STEPS, repeatable")
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    for c in a.config:
        arch, channels, size, width, batch, steps = c.split(":")
        r = bench(arch, int(channels), int(size), int(width), int(batch), int(steps), a.warmup, a.repeats, a.seed)
        print(json.dumps(r), flush=True)


if __name__ == "__main__":
    sys.exit(main())
