"""Learning's JSON API (``/api/v1``): My learning rows and answering knowledge checks."""

from __future__ import annotations

from fastapi import APIRouter

from app.accounts.permissions import ApiUser
from app.db import DbSession
from app.errors import NotFound
from app.learning import grading, service
from app.learning.schemas import AnswerIn, AnswerOut, LearningRowOut
from app.learning.service import NoAccess

api = APIRouter(prefix="/api/v1")


@api.get("/learning", response_model=list[LearningRowOut])
def api_my_learning(user: ApiUser, db: DbSession) -> list[LearningRowOut]:
    """The caller's courses with their progress."""
    return service.my_learning(db, user)


@api.post("/learning/{slug}/modules/{module_slug}/checks/{check_id}", response_model=AnswerOut)
def api_answer(
    user: ApiUser, db: DbSession, slug: str, module_slug: str, check_id: str, body: AnswerIn
) -> AnswerOut:
    """Grade an answer to a knowledge check of a module the caller has opened."""
    try:
        result = grading.answer_in_module(db, user, slug, module_slug, check_id, body.chosen)
    except NoAccess as exc:
        # Same answer as for an unknown course: the API does not say what exists.
        raise NotFound(f"There is no course '{slug}' that you can study.") from exc
    return AnswerOut.model_validate(result, from_attributes=True)


ROUTERS = (api,)
