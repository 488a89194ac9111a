"""Published consent wordings are records of what people agreed to: they never change."""

import hashlib

from people import consent

# A new version adds a line here; an existing line must never change.
PUBLISHED = {1: "4c5fc99aeafe5e06"}


def test_published_consent_wordings_are_unchanged():
    digests = {
        version: hashlib.sha256(text.encode()).hexdigest()[:16]
        for version, text in consent.WORDINGS.items()
    }
    assert {v: digests[v] for v in PUBLISHED} == PUBLISHED
    assert consent.CURRENT_VERSION in consent.WORDINGS
