"""A brute-force loop checker for tests: every start, every chunk length, counted by
slicing. Deliberately nothing like pipeline/text/loops.py (regex passes), so that a test
using it does not check the detector with itself."""


def brute_max_run(text: str, max_chars: int = 40, min_chars: int = 1) -> int:
    s = (" ".join(text.split()) + " ").lower()
    best = 1
    for length in range(min_chars, max_chars + 1):
        for i in range(len(s) - 2 * length + 1):
            chunk = s[i : i + length]
            if not any(c.isalpha() for c in chunk):
                continue
            k = 1
            while s[i + k * length : i + (k + 1) * length] == chunk:
                k += 1
            best = max(best, k)
    return best


def loops(output: str, source: str = "", *, min_repeats: int = 4, max_chars: int = 40, min_chars: int = 1) -> bool:
    allowed = max(min_repeats - 1, brute_max_run(source, max_chars, min_chars) + 1) if source else min_repeats - 1
    return brute_max_run(output, max_chars, min_chars) > allowed
