"""Imports every feature's tables so ``Base.metadata`` (and Alembic) sees all of them."""

from app.accounts import models as accounts_models
from app.content import models as content_models
from app.learning import models as learning_models
from app.db import Base

__all__ = ["Base", "accounts_models", "content_models", "learning_models"]
