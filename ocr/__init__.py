"""Raster access, OpenCV preprocessing and Vietnamese OCR with Tesseract."""
