"""The classification benchmark's scoring, on ground-truth text standing in for cached OCR (no Tesseract)."""

import json
import random
from pathlib import Path

import cv2
import numpy as np

from scripts.bench_classify import CACHE_VERSION, evaluate
from scripts.samplegen.papers import GENERATORS


def test_scoring_counts_right_wrong_and_flagged(tmp_path: Path):
    wanted = []
    for n, (code, level) in enumerate([("GKS", "clean"), ("CCCD", "clean"), ("GPLX", "mild"), ("TK", "harsh")]):
        paper = GENERATORS[code](random.Random(n))
        text = "\n".join(paper.truth_lines())
        if n == 3:  # a page whose owner ID was misread: must come back as wrong, and flagged
            text = text.replace(paper.owner_id, paper.owner_id[:3] + "9" + paper.owner_id[4:])
        truth = tmp_path / f"{n}.json"
        truth.write_text(json.dumps({"type": code, "owner_id": paper.owner_id, "fields": paper.fields, "level": level}))
        cache = tmp_path / f"{n}-ocr.json"
        words = [  # one OCR word per token, each line of the text a line of the page
            [w, 95.0, 100 + 120 * i, 200 + 60 * n_line, 100, 26, 1, n_line]
            for n_line, line in enumerate(text.splitlines())
            for i, w in enumerate(line.split())
        ]
        cv2.imwrite(str(tmp_path / f"{n}-ocr-p1.jpg"), np.full((100, 100, 3), 255, np.uint8))
        page = {"text": text, "confidence": 0.95, "words": words, "image": f"{n}-ocr-p1.jpg", "dpi": 200, "skew": 0}
        cache.write_text(json.dumps({"version": CACHE_VERSION, "pages": [page], "seconds": 1.0}))
        wanted.append((f"{n}", truth, cache))
    report = evaluate(wanted)
    clean = report["levels"]["tuned/clean"]
    assert clean["documents"] == 2 and clean["type_accuracy"] == 1.0 and clean["wrong_not_flagged"] == 0
    assert clean["field_exact_match"]["id_number"] == 1.0
    harsh = report["levels"]["tuned/harsh"]
    assert harsh["wrong"] == 1 and harsh["wrong_not_flagged"] == 0 and harsh["sent_to_review"] == 1.0
    assert 0 <= report["expected_calibration_error"] <= 1
