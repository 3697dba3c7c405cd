"""Every default of the model side, written once: the CLI, the library and the Ray actors
import these, so changing one here changes it everywhere (help texts included)."""

from __future__ import annotations

#: The model ``songngu translate``/``run`` use without ``--model``.
DEFAULT_MODEL = "Helsinki-NLP/opus-mt-vi-en"
#: The backend without ``--backend`` (the registry in ``translate.registry`` lists them).
DEFAULT_BACKEND = "ct2"
#: Beam size: opus-mt's generation_config.json (and Marian's decoder.yml) use beam 4.
DEFAULT_BEAM = 4
#: Positions of opus-mt models (input and output, EOS included), for configs that do not say.
DEFAULT_MAX_LENGTH = 512
#: New tokens per sentence are at most this many times its source tokens (EOS included), as
#: Marian's ``--max-length-factor`` (default 3): a model that loops stops there instead of at
#: the model's maximum.
DEFAULT_MAX_LENGTH_FACTOR = 3.0
#: Padded source tokens per model call, for backends without a measured preference.
DEFAULT_BATCH_TOKENS = 4096
#: ``auto``: CUDA when there is one, else (transformers) MPS, else CPU.
DEFAULT_DEVICE = "auto"
