"""Tiny MarianMT models built in code, so the translate tests need no download.

The real ``Helsinki-NLP/opus-mt-vi-en`` cannot be fetched in CI or offline, so the tests build
models with the very classes it uses (SentencePiece source/target models, a shared
``vocab.json`` whose pad id is the decoder start id, ``MarianConfig`` with swish and sinusoidal
positions, ``MarianMTModel``) and save them as a hub snapshot would look. The user code path
(``load_translator(str(dir))``) is then exercised unchanged.

Two models:

* ``build_tiny_model`` -- random weights; for shape, robustness and speed tests.
* ``build_trained_model`` -- trained on ``TRAINED_PAIRS`` until greedy and beam-4 decoding
  reproduce every pair exactly, so tests can assert exact English strings.

Built models are cached under ``$SONGNGU_TEST_CACHE`` (default ``~/.cache/songngu-tests``),
keyed by a hash of the recipe, this file and the library versions, and built atomically
(temp dir + rename) so concurrent sessions never see half a model.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.shared_data import DATA

# Short Tatoeba pairs (CC BY 2.0 FR), mixed lengths so batching reorders them. The sources are
# already in MT-normal form (straight quotes, no ellipsis), so normalization leaves them as is.
TRAINED_PAIRS: list[tuple[str, str]] = [
    ("Đi với tôi.", "Come with me."),
    ("Xin chúc mừng!", "Congratulations!"),
    ("Hãy cẩn thận!", "Careful!"),
    ("Tôi bị bắt à?", "Am I under arrest?"),
    ("Cậu không đói sao?", "Aren't you hungry?"),
    ("Lại đây xem này!", "Come and see!"),
    ("Chúng ta đã xong chưa?", "Are we finished?"),
    ("Ấy có sợ chó không?", "Are you afraid of dogs?"),
    ("Tất cả hoặc không gì cả.", "All or nothing."),
    ("Bạn chỉ toàn than phiền.", "All you do is complain."),
    ("Sau đó, tôi thức dậy.", "After that, I get up."),
    ("Con chó có sủa không?", "Did the dog bark?"),
    ("Tom có cần giúp đỡ không?", "Did Tom need help?"),
    ("Đánh bại đội Giants!", "Beat the Giants!"),
    ("Cả hai đều rất dễ thương.", "Both of them are very cute."),
    ("Sắp vô tiết rồi.", "Classes are starting again soon."),
    ("Bạn có thể nhắc lại không?", "Can you repeat?"),
    ("Tôi có thể giúp gì không?", "Can I help you with something?"),
    ("Một thanh niên muốn gặp bạn.", "A young person wants to see you."),
    ("Ai cũng có thể phạm sai lầm.", "Anyone can make a mistake."),
    ("Sau khi ăn, tụi tao đi ngủ.", "After we ate, we went to sleep."),
    ("Bạn có thể xẻ thịt gà không?", "Can you carve the chicken?"),
    ("Hiện giờ bạn có đau không?", "Are you in pain now?"),
    ("Có phụ nữ đẹp ở đây không?", "Are there beautiful women here?"),
    ("Còn chúng tôi làm gì?", "And what are we going to do?"),
    ("Chấp nhận yêu một người.", "Accept a person's love."),
    ("Con đi bơi được không mẹ?", "Can I go swimming, Mother?"),
    ("Tôi mang giỏ dùm bạn nhé?", "Can I take your bags?"),
    (
        "Kovacic đã có một pha bật tường từ giữa sân.",
        "Kovacic did a quick give-and-go at midfield.",
    ),
    ("ABC đứng thứ hai với 3,26 triệu người xem.", "ABC was second with 3.26 million viewers."),
]

SPM_VOCAB = 400
TINY: dict[str, Any] = {
    "d_model": 32,
    "layers": 1,
    "heads": 2,
    "ffn": 64,
    "seed": 1,
}
TRAINED: dict[str, Any] = {
    "d_model": 64,
    "layers": 2,
    "heads": 4,
    "ffn": 128,
    "seed": 7,
    "lr": 3e-3,
    "max_steps": 1500,
    "check_every": 25,
    # Keep the decoder-start (<pad>) embedding at zero, as Marian and the real opus-mt
    # checkpoints have it: CTranslate2's Marian decoder assumes it and refuses other models.
    "zero_decoder_start": True,
}


def cache_root() -> Path:
    env = os.environ.get("SONGNGU_TEST_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "songngu-tests"


def _recipe_hash(kind: str, recipe: dict[str, Any]) -> str:
    import sentencepiece
    import torch
    import transformers

    h = hashlib.sha256()
    h.update(Path(__file__).read_bytes())
    h.update(json.dumps({"kind": kind, "recipe": recipe, "spm_vocab": SPM_VOCAB}).encode())
    for mod in (torch, transformers, sentencepiece):
        h.update(str(getattr(mod, "__version__", "?")).encode())
    return h.hexdigest()[:16]


def _lines(side: str) -> Iterator[str]:
    for name in ("tatoeba-v2021-08-07", "ntrex128"):
        path = DATA / name / f"dev.{side}"
        if path.exists():
            yield from (line.strip() for line in path.read_text("utf-8").splitlines())
    for src, tgt in TRAINED_PAIRS:  # so every pair is covered even without the shared data
        yield src if side == "vi" else tgt


def _train_spm(side: str, out: Path) -> None:
    import sentencepiece as spm

    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=(line for line in _lines(side) if line),
        model_writer=buf,
        vocab_size=SPM_VOCAB,
        model_type="unigram",
        character_coverage=1.0,
        unk_id=0,
        bos_id=-1,
        eos_id=-1,
        pad_id=-1,
        num_threads=1,
        minloglevel=2,
    )
    out.write_bytes(buf.getvalue())


def _build_files(out: Path, recipe: dict[str, Any]) -> Any:
    """Write spm + vocab + tokenizer files into ``out``; return (model, tokenizer)."""
    import sentencepiece as spm
    import torch
    from transformers import GenerationConfig, MarianConfig, MarianMTModel, MarianTokenizer

    _train_spm("vi", out / "source.spm")
    _train_spm("en", out / "target.spm")
    vocab: dict[str, int] = {"</s>": 0, "<unk>": 1}
    for name in ("source.spm", "target.spm"):
        sp = spm.SentencePieceProcessor(model_file=str(out / name))
        for i in range(sp.get_piece_size()):
            piece = sp.id_to_piece(i)
            if not sp.is_unknown(i) and not sp.is_control(i) and piece not in vocab:
                vocab[piece] = len(vocab)
    pad = len(vocab)
    vocab["<pad>"] = pad
    (out / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False, indent=1), "utf-8")

    tok = MarianTokenizer(
        source_spm=str(out / "source.spm"),
        target_spm=str(out / "target.spm"),
        vocab=str(out / "vocab.json"),
        model_max_length=512,
    )
    tok.save_pretrained(str(out))

    torch.manual_seed(recipe["seed"])
    config = MarianConfig(
        vocab_size=len(vocab),
        d_model=recipe["d_model"],
        encoder_layers=recipe["layers"],
        decoder_layers=recipe["layers"],
        encoder_attention_heads=recipe["heads"],
        decoder_attention_heads=recipe["heads"],
        encoder_ffn_dim=recipe["ffn"],
        decoder_ffn_dim=recipe["ffn"],
        max_position_embeddings=512,
        activation_function="swish",
        scale_embedding=True,
        dropout=0.0,
        pad_token_id=pad,
        eos_token_id=0,
        decoder_start_token_id=pad,
        forced_eos_token_id=0,
        share_encoder_decoder_embeddings=True,
    )
    model = MarianMTModel(config)
    model.generation_config = GenerationConfig(
        bad_words_ids=[[pad]],
        bos_token_id=0,
        decoder_start_token_id=pad,
        eos_token_id=0,
        forced_eos_token_id=0,
        pad_token_id=pad,
        max_length=512,
        num_beams=4,
    )
    return model, tok


def _decode_all(model: Any, tok: Any, beam: int) -> list[str]:
    import torch

    enc = tok([s for s, _ in TRAINED_PAIRS], return_tensors="pt", padding=True)
    with torch.inference_mode():
        out = model.generate(**enc, num_beams=beam, max_new_tokens=64)
    return [
        tok.decode(ids, skip_special_tokens=True, use_source_tokenizer=False).strip()
        for ids in out.tolist()
    ]


def _train(model: Any, tok: Any, recipe: dict[str, Any]) -> int:
    """Teacher-forced AdamW on TRAINED_PAIRS until greedy and beam 4 reproduce every pair."""
    import torch

    torch.manual_seed(recipe["seed"])
    src = [s for s, _ in TRAINED_PAIRS]
    tgt = [t for _, t in TRAINED_PAIRS]
    batch = tok(src, text_target=tgt, return_tensors="pt", padding=True)
    labels = batch["labels"].masked_fill(batch["labels"] == tok.pad_token_id, -100)
    opt = torch.optim.AdamW(model.parameters(), lr=recipe["lr"], weight_decay=0.0)
    for step in range(1, recipe["max_steps"] + 1):
        model.train()
        loss = model(
            input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], labels=labels
        ).loss
        opt.zero_grad()
        loss.backward()
        opt.step()
        if recipe["zero_decoder_start"]:
            with torch.no_grad():
                model.model.shared.weight[tok.pad_token_id].zero_()
        if step % recipe["check_every"] == 0:
            model.eval()
            if _decode_all(model, tok, 1) == tgt and _decode_all(model, tok, 4) == tgt:
                return step
    raise AssertionError(
        f"tiny model did not learn TRAINED_PAIRS in {recipe['max_steps']} steps; "
        "raise max_steps or lr in tests/tinymodels.py"
    )


def _build(kind: str, recipe: dict[str, Any], train: bool) -> Path:
    root = cache_root()
    final = root / f"{kind}-{_recipe_hash(kind, recipe)}"
    if (final / "config.json").exists():
        return final
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{kind}-", dir=root))
    import torch

    # One thread: on a shared 2-core machine, two intra-op threads contending with other jobs
    # made training ~20x slower; a tiny model gains nothing from more threads anyway.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        model, tok = _build_files(tmp, recipe)
        meta: dict[str, Any] = {"kind": kind, "recipe": recipe}
        if train:
            meta["steps"] = _train(model, tok, recipe)
        model.eval()
        model.save_pretrained(str(tmp))
        (tmp / "songngu-test-model.json").write_text(json.dumps(meta), "utf-8")
        try:
            os.rename(tmp, final)
        except OSError:  # another session finished first: use theirs
            if not (final / "config.json").exists():
                raise
    finally:
        torch.set_num_threads(threads)
        shutil.rmtree(tmp, ignore_errors=True)
    return final


def build_tiny_model() -> Path:
    """A random-weight tiny Marian model directory (built once, then cached)."""
    return _build("tiny", TINY, train=False)


def build_trained_model() -> Path:
    """A tiny Marian model that reproduces ``TRAINED_PAIRS`` exactly (built once, cached)."""
    return _build("trained", TRAINED, train=True)


if __name__ == "__main__":  # pragma: no cover - manual build / timing
    import time

    for fn in (build_tiny_model, build_trained_model):
        t = time.perf_counter()
        path = fn()
        print(path, f"{time.perf_counter() - t:.1f}s")
