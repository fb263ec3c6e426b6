"""Kept so ``from taixin_qa.convert import convert_e5_small`` still works; see :mod:`taixin_qa.models.convert`."""

from taixin_qa.models.convert import *  # noqa: F403
from taixin_qa.models.convert import __all__  # noqa: F401
