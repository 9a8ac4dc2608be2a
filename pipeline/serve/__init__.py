"""The newsroom service (`newsbridge serve`): a web page and a JSON API to submit articles
and read their bilingual summaries and aligned translations, plus LibreTranslate's API.

Layout: store (SQLite jobs), inputs (requests -> articles), worker (the one batching
queue that owns the models), keys and limits, libretranslate, api and web (routes), app
(wiring). Nothing here is imported by the layers below; importing this package loads no
web framework and no model.
"""
