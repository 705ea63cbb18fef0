"""Sync with the national public-service portal's data warehouse (issue 24): the outbox is drained by a sender
through a connector (``rest``: REST/JSON, configured by URL, auth and a field mapping), what was sent is
reconciled, and the reuse check may ask the national side for papers held outside the province."""
