"""A compact 2D U-Net: the architecture the C++ runtime (libs/segmentation/src/network.cpp) evaluates.

Per level two 3x3 convolutions with batch normalisation and ReLU; 2x2 max pooling down; nearest-neighbour
upsampling, concatenation with the skip and two 3x3 convolutions up; a 1x1 convolution to the class scores.
Batch normalisation is folded into the convolutions when exported (export.py).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Sequential):
    def __init__(self, cin, cout):
        super().__init__(
            nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
            nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class UNet(nn.Module):
    def __init__(self, in_channels=1, num_classes=18, channels=(16, 32, 64, 96, 128)):
        super().__init__()
        self.config = dict(in_channels=in_channels, num_classes=num_classes, channels=list(channels))
        self.down = nn.ModuleList()
        cin = in_channels
        for c in channels:
            self.down.append(Block(cin, c))
            cin = c
        self.up = nn.ModuleList()
        for c_skip in reversed(channels[:-1]):
            self.up.append(Block(cin + c_skip, c_skip))
            cin = c_skip
        self.head = nn.Conv2d(cin, num_classes, 1)

    def forward(self, x):
        skips = []
        for i, block in enumerate(self.down):
            x = block(x)
            if i < len(self.down) - 1:
                skips.append(x)
                x = F.max_pool2d(x, 2)
        for block in self.up:
            x = F.interpolate(x, scale_factor=2, mode="nearest")
            x = block(torch.cat([x, skips.pop()], dim=1))
        return self.head(x)
