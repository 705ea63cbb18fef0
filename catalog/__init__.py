"""Document-type catalogue, standardized codes, classification, field extraction and the SQL catalog."""
