"""Reference CLIP token ids for the engine's tokenizer built from a diffusers snapshot's
tokenizer/ folder (src/engine/diffusers/tokenizer.ts): a few hundred prompts — plain, empty,
odd spacing and case, punctuation and contractions, digits, non-ASCII and emoji, words the tiny
vocabulary lacks, and prompts far past 77 tokens — tokenized by transformers' CLIPTokenizer (the
slow tokenizer diffusers' AmusedPipeline instantiates) with padding="max_length" and truncation.

    scripts/py.sh -m training.make_clip_token_cases [--tokenizer DIR] [--out FILE]
"""
from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from .convert.amused_fixture import WORDS

EXTRA = ["zebra", "Hello", "WORLD", "don't", "it's", "we'll", "they're", "I'm", "you've", "she'd", "3", "42", "1999",
         "3.14", "café", "naïve", "ünïcødé", "日本語", "Ελληνικά", "русский", "🎈", "👩‍👩‍👧", "ﬁ", "Å", "é",
         "x²", "½", "…", "—", "\u00a0", "\u200b", "a\tb", "line\nbreak", "<|endoftext|>", "<|startoftext|>",
         "#hash", "@user", "http://example.com/a?b=c", "C++", "e-mail", "(parens)", "[brackets]", "\"quoted\"",
         "'single'", "$100", "50%", "a/b", "snake_case", "CamelCase", "ALLCAPS", "mIxEd", "  ", "!!!", "?!"]
SEPARATORS = [" ", "  ", ", ", "\t", " \n ", "", "-", ". "]


def prompts(n: int = 300, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    fixed = ["", " ", "a photo of a red cat at sunset", "  A   Photo\tOF the CAT  ",
             "Hello, World! don't stop; it's 3 o'clock", "ünïcødé café 🎈 naïve", "zebra",
             " ".join(["a painting of a small house by the sea, at night, with a big red balloon"] * 8),
             "cat " * 76, "cat " * 75, "cat " * 74, "🎈" * 40, "x" * 500]
    out = list(fixed)
    pool = WORDS + EXTRA
    while len(out) < n:
        k = rng.choice([1, 2, 3, 5, 8, 13, 30, 90])
        words = [rng.choice(pool) for _ in range(k)]
        if rng.random() < 0.3:
            words = [w.upper() if rng.random() < 0.5 else w.capitalize() for w in words]
        out.append("".join(w + rng.choice(SEPARATORS) for w in words).rstrip(rng.choice(["", " "])))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tokenizer", default="tests/fixtures/amused-tiny-diffusers/tokenizer", type=Path)
    ap.add_argument("--out", default="tests/fixtures/amused-tiny-diffusers-tokens.json", type=Path)
    a = ap.parse_args()
    from transformers import CLIPTokenizer

    tok = CLIPTokenizer.from_pretrained(str(a.tokenizer))
    ps = prompts()
    enc = tok(ps, padding="max_length", truncation=True, max_length=tok.model_max_length)
    pad = tok.pad_token_id
    cases = []
    for p, ids in zip(ps, enc.input_ids):
        n = len(ids)
        while n > 0 and ids[n - 1] == pad:     # keep the first pad (EOS when pad = EOS)
            n -= 1
        cases.append({"prompt": p, "ids": ids[: max(n, 1)] if pad != tok.eos_token_id else ids[: n + 1] if n < len(ids) else ids})
    doc = {"about": "transformers' slow CLIPTokenizer ids (padding='max_length', truncation) for the prompts of "
                    "training/make_clip_token_cases.py; ids stop at the first padding token, the rest is padTokenId.",
           "tokenizer": str(a.tokenizer), "maxLength": tok.model_max_length, "padTokenId": pad, "cases": cases}
    a.out.write_text(json.dumps(doc, ensure_ascii=False) + "\n")
    print("wrote", a.out, len(cases), "cases")


if __name__ == "__main__":
    main()
