"""Errors of the catalog layer (catalogue data, codes, database)."""


class CatalogError(Exception):
    """Root of the catalog layer's errors."""

    reason_code = "catalog_error"
    exit_code = 6
    retryable = False

    def __init__(self, en: str, vi: str | None = None) -> None:
        super().__init__(en)
        self.vi = vi or en


class CatalogueDataError(CatalogError):
    """The document-type catalogue files are invalid."""

    reason_code = "catalogue_invalid"
    exit_code = 9
    systemic = True  # every document would fail the same way: stop the batch


class InvalidCode(CatalogError):
    """A code (owner ID, dossier code, agency code …) does not follow its format."""

    reason_code = "invalid_code"
    exit_code = 3


class CatalogUnavailable(CatalogError):
    """The catalog database cannot be reached or is locked; retrying later may help."""

    reason_code = "catalog_unavailable"
    retryable = True


class ClaimLost(CatalogError):
    """A run's claim on a document was taken over by another run (its lease had expired): the run stops
    touching the document and leaves it to the other run."""

    reason_code = "claim_lost"


class SequenceExhausted(CatalogError):
    """A daily dossier sequence ran past 9999."""

    reason_code = "sequence_exhausted"


class NotFound(CatalogError):
    reason_code = "not_found"
    exit_code = 10
