"""Flask's JSON provider, refusing bodies nested too deeply.

Python's parser recurses once per level: `[` × 50,000 raises RecursionError (not ValueError),
which `request.get_json` does not catch, and a body just under the interpreter's limit still
overflows whatever walks it next. Here both become a ValueError, which Flask treats as any
malformed JSON (`get_json(silent=True)` gives None, the API answers `invalid_json`)."""
from flask.json.provider import DefaultJSONProvider

MAX_JSON_DEPTH = 32  # the API's bodies are two levels deep


def nesting_depth(value) -> int:
    """How deeply lists and objects nest in `value`, counted without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = item.values()
        elif not isinstance(item, list):
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in item)
    return deepest


class BoundedJSONProvider(DefaultJSONProvider):
    def loads(self, s, **kwargs):
        try:
            value = super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None
        if nesting_depth(value) > MAX_JSON_DEPTH:
            raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
        return value
