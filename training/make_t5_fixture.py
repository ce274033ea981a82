"""Builds tests/fixtures/t5-small-random: a random-initialised transformers `T5EncoderModel`
exported in the Transformers.js layout (the layout of e.g. Xenova/t5-small and
Xenova/flan-t5-base on the Hugging Face hub):

    config.json                 transformers T5Config (d_model = 32, the tiny fixture's hiddenSize)
    tokenizer.json              T5-style Unigram tokenizer (<pad> 0, </s> 1, <unk> 2, Metaspace,
                                "$A </s>" post-processor), case-sensitive like T5's
    onnx/encoder_model.onnx     input_ids, attention_mask [batch_size, encoder_sequence_length]
                                -> last_hidden_state, as optimum/Transformers.js export it

plus tests/fixtures/t5-small-random-expected.json: token ids (Python `tokenizers`) and the
PyTorch encoder's last_hidden_state for a few prompts, for the engine's swap test
(`loadModel(…, { textEncoderSource })`). The architecture differs from the tiny package's own
encoder on purpose (2 gated-GELU layers, 4 heads, another vocabulary), as a pretrained T5 would.

    scripts/py.sh -m training.make_t5_fixture [--out tests/fixtures/t5-small-random]
"""
from __future__ import annotations

import argparse
import itertools
import json
import shutil
from pathlib import Path

import torch
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import T5Config, T5EncoderModel

from .muse.onnx_utils import check_parity, export_onnx
from .muse.text import T5Export

PAD, EOS, UNK = "<pad>", "</s>", "<unk>"
PROMPTS = ["a red house", "", "Two Boats over the Sea at Night", "a small green tree in the mountains"]


def corpus() -> list[str]:
    words = [["a", "one", "Two", "three"], ["red", "green", "Blue", "small", "big"],
             ["house", "tree", "boat", "Boats", "balloon"], ["over the Sea", "in the mountains", "above a city"],
             ["at Night", "at sunset", "by day"]]
    return [" ".join(p) for p in itertools.product(*words)]


def t5_tokenizer() -> Tokenizer:
    tok = Tokenizer(models.Unigram())
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Replace(" {2,}", " ")])
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.decoder = decoders.Metaspace()
    trainer = trainers.UnigramTrainer(vocab_size=120, special_tokens=[PAD, EOS, UNK], unk_token=UNK,
                                      shrinking_factor=0.75)
    tok.train_from_iterator(corpus(), trainer=trainer)
    tok.post_processor = processors.TemplateProcessing(single=f"$A {EOS}", pair=f"$A {EOS} $B {EOS}",
                                                       special_tokens=[(EOS, 1)])
    assert [tok.token_to_id(t) for t in (PAD, EOS, UNK)] == [0, 1, 2]
    return tok


def build(out: Path) -> float:
    torch.manual_seed(7)
    tok = t5_tokenizer()
    cfg = T5Config(vocab_size=tok.get_vocab_size(), d_model=32, d_kv=8, d_ff=48, num_layers=2, num_heads=4,
                   relative_attention_num_buckets=32, relative_attention_max_distance=128, dropout_rate=0.0,
                   feed_forward_proj="gated-gelu", is_encoder_decoder=False, use_cache=False,
                   pad_token_id=0, eos_token_id=1, decoder_start_token_id=0)
    model = T5EncoderModel(cfg).eval()
    with torch.no_grad():            # random init is near-degenerate for tiny T5s; spread it out
        for p in model.parameters():
            p.add_(0.05 * torch.randn_like(p))

    if out.exists():
        shutil.rmtree(out)
    (out / "onnx").mkdir(parents=True)
    cfg.to_json_file(str(out / "config.json"))
    (out / "tokenizer.json").write_text(tok.to_str())
    ids = torch.tensor([tok.encode(PROMPTS[2]).ids, tok.encode(PROMPTS[3]).ids[: len(tok.encode(PROMPTS[2]).ids)]])
    mask = torch.ones_like(ids)
    mask[1, -2:] = 0
    wrapper = T5Export(model)
    dyn = {"input_ids": {0: "batch_size", 1: "encoder_sequence_length"},
           "attention_mask": {0: "batch_size", 1: "encoder_sequence_length"},
           "last_hidden_state": {0: "batch_size", 1: "encoder_sequence_length"}}
    export_onnx(wrapper, (ids, mask), out / "onnx/encoder_model.onnx", ["input_ids", "attention_mask"],
                ["last_hidden_state"], dyn)
    parity = check_parity(out / "onnx/encoder_model.onnx", wrapper, {"input_ids": ids, "attention_mask": mask})

    expected = {"about": "training/make_t5_fixture.py: ids from Python tokenizers on tokenizer.json; "
                         "last_hidden_state [L, 32] row-major from transformers' T5EncoderModel, mask all ones.",
                "dModel": 32, "ids": {}, "lastHiddenState": {}}
    with torch.no_grad():
        for p in PROMPTS:
            row = tok.encode(p).ids
            expected["ids"][p] = row
            h = model(input_ids=torch.tensor([row]), attention_mask=torch.ones(1, len(row), dtype=torch.long))
            expected["lastHiddenState"][p] = [float(f"{x:.7g}") for x in h.last_hidden_state[0].flatten().tolist()]
    (out.parent / f"{out.name}-expected.json").write_text(json.dumps(expected) + "\n")
    return parity


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="tests/fixtures/t5-small-random", type=Path)
    a = ap.parse_args()
    torch.set_num_threads(1)
    parity = build(a.out)
    print("wrote", a.out, f"(ONNX vs PyTorch max relative error {parity:.2e})")


if __name__ == "__main__":
    main()
