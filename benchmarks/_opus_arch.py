"""A random-weight model with the exact opus-mt-vi-en architecture, for benchmarks.

The real checkpoint cannot be downloaded here, and speed does not depend on the weights when the
output length is forced, so the benchmark builds the same architecture (d_model 512, 6+6 layers,
8 heads, FFN 2048, shared vocab 53,685, static sinusoidal positions, swish, scaled and tied
embeddings) with random weights. The tokenizer is a SentencePiece model trained on the shared
dev text; ``vocab.json`` is padded to 53,685 entries with ``<pad>`` last, as in opus-mt, so the
output projection has the real size. Built once and cached by recipe hash.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from tests.shared_data import SHARED as SHARED_DIR

VOCAB_SIZE = 53_685
PAD_ID = 53_684
SPM_VOCAB = 16_000
SHARED = SHARED_DIR

# MarianConfig of Helsinki-NLP/opus-mt-vi-en (config.json on the hub).
OPUS_VI_EN_CONFIG: dict[str, object] = {
    "activation_function": "swish",
    "d_model": 512,
    "encoder_layers": 6,
    "decoder_layers": 6,
    "encoder_attention_heads": 8,
    "decoder_attention_heads": 8,
    "encoder_ffn_dim": 2048,
    "decoder_ffn_dim": 2048,
    "vocab_size": VOCAB_SIZE,
    "decoder_vocab_size": VOCAB_SIZE,
    "pad_token_id": PAD_ID,
    "decoder_start_token_id": PAD_ID,
    "eos_token_id": 0,
    "forced_eos_token_id": 0,
    "bos_token_id": 0,
    "max_position_embeddings": 512,
    "scale_embedding": True,
    "static_position_embeddings": True,
    "share_encoder_decoder_embeddings": True,
    "tie_word_embeddings": True,
    "normalize_before": False,
    "normalize_embedding": False,
    "add_final_layer_norm": False,
    "dropout": 0.1,
    "attention_dropout": 0.0,
    "activation_dropout": 0.0,
    "init_std": 0.02,
}
RECIPE = json.dumps({"config": OPUS_VI_EN_CONFIG, "spm": SPM_VOCAB, "seed": 0, "v": 2})


def cache_root() -> Path:
    env = os.environ.get("SONGNGU_CACHE")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("songngu"))


def _training_text() -> list[str]:
    lines: list[str] = []
    for path in sorted(SHARED.glob("data/*/dev.vi")) + sorted(SHARED.glob("data/*/dev.en")):
        lines += [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    if not lines:
        raise SystemExit(f"no training text under {SHARED}/data/*/dev.vi|dev.en")
    return lines


def _build(out: Path) -> None:
    import sentencepiece as spm
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    out.mkdir(parents=True)
    text = out / "train.txt"
    text.write_text("\n".join(_training_text()) + "\n", encoding="utf-8")
    spm.SentencePieceTrainer.train(
        input=str(text),
        model_prefix=str(out / "spm"),
        vocab_size=SPM_VOCAB,
        hard_vocab_limit=False,
        character_coverage=1.0,
        model_type="unigram",
        unk_id=1,
        eos_id=0,
        bos_id=-1,
        pad_id=-1,
        minloglevel=2,
    )
    text.unlink()
    shutil.copy(out / "spm.model", out / "source.spm")
    shutil.move(out / "spm.model", out / "target.spm")
    (out / "spm.vocab").unlink()
    sp = spm.SentencePieceProcessor(model_file=str(out / "source.spm"))
    vocab: dict[str, int] = {"</s>": 0, "<unk>": 1}
    for i in range(sp.get_piece_size()):
        piece = sp.id_to_piece(i)
        if piece not in vocab:
            vocab[piece] = len(vocab)
    filler = 0
    while len(vocab) < PAD_ID:  # pad to the real vocabulary size with never-produced pieces
        vocab[f"<fill_{filler}>"] = len(vocab)
        filler += 1
    vocab["<pad>"] = PAD_ID
    (out / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    tok = MarianTokenizer(str(out / "source.spm"), str(out / "target.spm"), str(out / "vocab.json"))
    tok.save_pretrained(out)

    torch.manual_seed(0)
    model = MarianMTModel(MarianConfig(**OPUS_VI_EN_CONFIG))  # type: ignore[arg-type]
    model.generation_config.bad_words_ids = [[PAD_ID]]
    model.generation_config.num_beams = 4
    model.generation_config.max_length = 512
    model.save_pretrained(out)


def opus_arch_model_dir() -> Path:
    """The cached model directory, built on first use (about a minute)."""
    key = hashlib.sha256(RECIPE.encode()).hexdigest()[:12]
    final = cache_root() / "bench" / f"opus-vi-en-arch-{key}"
    if (final / ".complete").exists():
        return final
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".build-", dir=final.parent))
    try:
        _build(tmp / "m")
        (tmp / "m" / ".complete").write_text("ok\n")
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp / "m", final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final


if __name__ == "__main__":
    print(opus_arch_model_dir())
