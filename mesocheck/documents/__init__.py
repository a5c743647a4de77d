"""Printed documents: the signed consent PDF with its aftercare sheet. Plain reportlab, no Qt.

``consent.build_consent_pdf`` makes the bytes (pure, reproducible); ``consent.store_consent_pdf``
builds and keeps them with the intake; ``atomic.write_atomic`` writes a file whole or not at all.
"""
