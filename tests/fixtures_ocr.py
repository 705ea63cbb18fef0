"""Generated pages for the OCR tests: a rendered paper (with its red seal and blue signature) as BGR."""

from __future__ import annotations

import random

import cv2
import numpy as np
import pytest

from scripts.samplegen.papers import GENERATORS
from scripts.samplegen.render import render_paper


def render(type_code: str = "GKS", seed: int = 5, dpi: int = 200) -> tuple[np.ndarray, object]:
    rng = random.Random(seed)
    paper = GENERATORS[type_code](rng)
    img = render_paper(paper, dpi, rng)[0]
    return cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR), paper


@pytest.fixture(scope="session")
def sealed_page() -> tuple[np.ndarray, object]:
    """A birth certificate at 200 dpi: two-column header, red seal over the signer's name."""
    return render("GKS", 5, 200)


@pytest.fixture(scope="session")
def shadowed():
    """Damage a page with a corner shadow on yellowed paper: ``shadowed(image, strength=0.45)``."""
    return shade


def shade(image: np.ndarray, strength: float = 0.45) -> np.ndarray:
    """Light falling off from one corner, on yellowed paper."""
    h, w = image.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    dist = np.sqrt(xx**2 + yy**2) / np.hypot(w, h)
    light = (1.0 - strength * (1.0 - dist))[:, :, None]
    out = image.astype(np.float32) * np.array([0.80, 0.93, 0.97], np.float32) * light
    return np.clip(out, 0, 255).astype(np.uint8)
