"""Scanner and photocopier damage, applied deterministically from a random generator."""

from __future__ import annotations

import io
import random
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

LEVELS = ("clean", "mild", "harsh")
ALL_LEVELS = (*LEVELS, "rotated")  # "rotated": a clean page fed sideways or upside down


@dataclass(frozen=True)
class Damage:
    level: str
    skew: float = 0.0  # degrees, counter-clockwise
    rotation: int = 0  # the page was fed turned clockwise by this many degrees
    noise: float = 0.0
    blur: float = 0.0
    shadow: float = 0.0
    yellow: bool = False
    speckle: float = 0.0
    jpeg_quality: int | None = None
    photocopy: float = 0.0  # 0-1: washed-out colour, boosted contrast, grey toner haze


def plan(level: str, rng: random.Random) -> Damage:
    if level == "clean":
        return Damage("clean")
    if level == "rotated":
        return Damage("rotated", skew=rng.uniform(-2, 2), rotation=rng.choice([90, 180, 270]))
    if level == "mild":
        return Damage(
            "mild",
            skew=rng.uniform(-3, 3),
            noise=rng.uniform(3, 7),
            blur=rng.uniform(0, 0.6),
            shadow=rng.uniform(0.05, 0.15),
            jpeg_quality=rng.choice([70, 80, 90]),
        )
    if level == "harsh":
        return Damage(
            "harsh",
            skew=rng.uniform(-8, 8),
            rotation=rng.choice([0, 90, 180, 270]),
            noise=rng.uniform(8, 14),
            blur=rng.uniform(0.6, 1.1),
            shadow=rng.uniform(0.2, 0.4),
            yellow=rng.random() < 0.5,
            speckle=rng.uniform(0.0005, 0.002),
            jpeg_quality=rng.choice([40, 50, 60]),
            photocopy=rng.uniform(0.3, 0.6),
        )
    raise ValueError(f"unknown degradation level {level!r}")


def apply(img: Image.Image, d: Damage, rng: random.Random) -> Image.Image:
    if d.level == "clean":
        return img
    a = np.asarray(img.convert("RGB")).astype(np.float32)
    h, w = a.shape[:2]
    nprng = np.random.default_rng(rng.randrange(2**32))
    if d.yellow:
        a *= np.array([0.97, 0.93, 0.80], dtype=np.float32)
    if d.photocopy:
        # a colour photocopier: colours half washed out, darks darker, a grey haze of toner on the paper
        grey = a.mean(axis=2, keepdims=True)
        a = a * (1 - d.photocopy * 0.6) + grey * (d.photocopy * 0.6)
        a = np.clip((a - 128.0) * (1 + d.photocopy * 0.5) + 128.0 - 10.0 * d.photocopy, 0, 255)
        haze = cv2.GaussianBlur(nprng.normal(0, 1, (h // 8 + 1, w // 8 + 1)).astype(np.float32), (0, 0), 2)
        haze = cv2.resize(haze, (w, h), interpolation=cv2.INTER_LINEAR)[:, :, None]
        a = a - np.abs(haze) * 12.0 * d.photocopy
    if d.shadow:
        # light falls off towards one corner
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        cx, cy = rng.choice([(0, 0), (w, 0), (0, h), (w, h)])
        dist = np.sqrt((xx - cx) ** 2 + (yy - cy) ** 2) / np.hypot(w, h)
        a *= (1.0 - d.shadow * (1.0 - dist))[:, :, None]
    if d.skew:
        m = cv2.getRotationMatrix2D((w / 2, h / 2), d.skew, 1.0)
        a = cv2.warpAffine(
            a, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=(250, 250, 250)
        )
    if d.blur:
        a = cv2.GaussianBlur(a, (0, 0), d.blur)
    if d.noise:
        a += nprng.normal(0, d.noise, a.shape).astype(np.float32)
    if d.speckle:
        mask = nprng.random((h, w)) < d.speckle
        a[mask] = 20
    a = np.clip(a, 0, 255).astype(np.uint8)
    if d.rotation:
        a = np.ascontiguousarray(np.rot90(a, k=-d.rotation // 90))
    out = Image.fromarray(a)
    if d.jpeg_quality:
        buf = io.BytesIO()
        out.save(buf, "JPEG", quality=d.jpeg_quality)
        out = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    return out
