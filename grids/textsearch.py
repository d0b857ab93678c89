"""The text the one household search box matches (names, pinyin initials, address)."""

from functools import lru_cache


@lru_cache(maxsize=20000)
def initials(name):
    """王建国 → "wjg" (non-Chinese characters kept as they are, lower-cased).

    pypinyin is imported here, not at the top: its phrase dictionary takes about 57 MB in
    every process that loads it, and only the processes that write households need it (not
    every web worker and Celery child from the start)."""
    from pypinyin import Style, lazy_pinyin  # lazy: a 57 MB dictionary, see above

    return "".join(lazy_pinyin(name or "", style=Style.FIRST_LETTER, errors="default")).lower()


def household_search_text(address, house_number, names):
    parts = [address or "", house_number or ""]
    for name in names:
        if name:
            parts.append(name)
            parts.append(initials(name))
    return " ".join(parts).lower()
