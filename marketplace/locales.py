"""The languages of the exchange, defined once: Finnish, Swedish and English, in that order."""

# Each language's name in that language (the language switch and the account forms show these).
LANGUAGE_NAMES = {"fi": "Suomi", "sv": "Svenska", "en": "English"}
LOCALES = tuple(LANGUAGE_NAMES)
FALLBACK = "fi"  # a listing or account in no known language is taken as Finnish
