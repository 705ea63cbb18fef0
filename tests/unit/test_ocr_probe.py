"""The probe names the apt package to install when Tesseract or a language model is missing."""

import pytesseract
import pytest

from ocr import tesseract
from ocr.errors import MissingDependency
from pipeline.errors import describe


@pytest.fixture(autouse=True)
def _fresh_probe():
    tesseract.probe.cache_clear()
    yield
    tesseract.probe.cache_clear()


def test_missing_tesseract_names_the_apt_packages(monkeypatch):
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    with pytest.raises(MissingDependency) as e:
        tesseract.probe("vie")
    assert "apt install tesseract-ocr tesseract-ocr-vie" in str(e.value)
    f = describe(e.value)
    assert f.systemic and f.reason_code == "missing_dependency"


def test_a_missing_language_model_names_its_package():
    with pytest.raises(MissingDependency, match="apt install tesseract-ocr-khm"):
        tesseract.probe("vie+khm")
