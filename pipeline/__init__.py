"""newsbridge: news articles -> bilingual Ukrainian/English records.

Importing this package is cheap on purpose: torch and transformers load only when a
stage that needs them is built.
"""

__version__ = "0.1.0"
