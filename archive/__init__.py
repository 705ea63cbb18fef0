"""The citizen data warehouse: write-once, checksummed object storage."""
