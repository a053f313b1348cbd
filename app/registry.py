"""Imports every feature's tables so ``Base.metadata`` (and Alembic) sees all of them."""

from app.accounts import models as accounts_models
from app.content import models as content_models
from app.db import Base
from app.documents import models as documents_models
from app.enrollment import models as enrollment_models
from app.learning import models as learning_models
from app.payments import models as payments_models
from app.scheduling import models as scheduling_models

__all__ = [
    "Base",
    "accounts_models",
    "content_models",
    "documents_models",
    "enrollment_models",
    "learning_models",
    "payments_models",
    "scheduling_models",
]
