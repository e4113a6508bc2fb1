"""PyTorch side of TorchInteropTest (run by the test with /usr/bin/python3; needs torch and torchvision).

make OUT ARCH CLASSES SIZE: builds ARCH as torchvision (or BackdoorBench, for preact-resnet18) defines it,
with random weights and random BatchNorm running statistics, in evaluation mode; writes OUT/model.pth
(torch.save of the state dict), OUT/input.bin (float32 [2,3,SIZE,SIZE]) and OUT/logits.bin (float32).

check OUT ARCH CLASSES FILE: loads FILE (safetensors written by PurifyBench) with load_state_dict(strict=True)
after dropping nothing, runs OUT/input.bin through it and writes OUT/logits-back.bin.
"""
import json
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision


class PreActBlock(nn.Module):
    # BackdoorBench models/preact_resnet.py's block
    expansion = 1

    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(in_planes)
        self.conv1 = nn.Conv2d(in_planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=1, padding=1, bias=False)
        if stride != 1 or in_planes != planes:
            self.shortcut = nn.Sequential(nn.Conv2d(in_planes, planes, kernel_size=1, stride=stride, bias=False))

    def forward(self, x):
        out = F.relu(self.bn1(x))
        shortcut = self.shortcut(out) if hasattr(self, "shortcut") else x
        out = self.conv1(out)
        out = self.conv2(F.relu(self.bn2(out)))
        return out + shortcut


class PreActResNet18(nn.Module):
    """PurifyBench's preact-resnet18: BackdoorBench's network plus a BatchNorm + ReLU (`bn`) before the pooling."""

    def __init__(self, num_classes):
        super().__init__()
        self.in_planes = 64
        self.conv1 = nn.Conv2d(3, 64, kernel_size=3, stride=1, padding=1, bias=False)
        self.layer1 = self._layer(64, 1)
        self.layer2 = self._layer(128, 2)
        self.layer3 = self._layer(256, 2)
        self.layer4 = self._layer(512, 2)
        self.bn = nn.BatchNorm2d(512)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.linear = nn.Linear(512, num_classes)

    def _layer(self, planes, stride):
        layers = []
        for s in [stride, 1]:
            layers.append(PreActBlock(self.in_planes, planes, s))
            self.in_planes = planes
        return nn.Sequential(*layers)

    def forward(self, x):
        out = self.layer4(self.layer3(self.layer2(self.layer1(self.conv1(x)))))
        out = self.avgpool(F.relu(self.bn(out)))
        return self.linear(out.flatten(1))


def build(arch, classes):
    if arch == "preact-resnet18":
        return PreActResNet18(classes)
    name = {"resnet18": "resnet18", "resnet50": "resnet50", "densenet161": "densenet161", "vgg19-bn": "vgg19_bn"}[arch]
    return getattr(torchvision.models, name)(num_classes=classes)


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        assert v["dtype"] == "F32", v
        b, e = v["data_offsets"]
        out[k] = torch.frombuffer(bytearray(data[b:e]), dtype=torch.float32).reshape(v["shape"])
    return out


def main():
    cmd, out, arch, classes = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    torch.manual_seed(0)
    model = build(arch, classes)
    if cmd == "make":
        size = int(sys.argv[5])
        with torch.no_grad():
            for m in model.modules():
                if isinstance(m, nn.BatchNorm2d):
                    m.running_mean.uniform_(-0.2, 0.2)
                    m.running_var.uniform_(0.5, 1.5)
                    m.weight.uniform_(0.5, 1.5)
                    m.bias.uniform_(-0.2, 0.2)
        model.eval()
        x = torch.rand(2, 3, size, size)
        with torch.no_grad():
            y = model(x)
        torch.save(model.state_dict(), out + "/model.pth")
        x.numpy().astype("<f4").tofile(out + "/input.bin")
        y.numpy().astype("<f4").tofile(out + "/logits.bin")
    else:
        state = read_safetensors(sys.argv[5])
        expected = {k for k in model.state_dict() if not k.endswith("num_batches_tracked")}
        missing = expected - set(state)
        assert not missing, "missing keys: %s" % sorted(missing)[:5]
        model.load_state_dict(state, strict=False)
        model.eval()
        import numpy
        x = torch.from_numpy(numpy.fromfile(out + "/input.bin", dtype="<f4"))
        size = int(round((x.numel() / 6) ** 0.5))
        with torch.no_grad():
            y = model(x.reshape(2, 3, size, size))
        y.numpy().astype("<f4").tofile(out + "/logits-back.bin")


if __name__ == "__main__":
    main()
