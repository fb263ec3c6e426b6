"""The JSON API: ``POST /api/ask``, ``POST /api/search`` and an OpenAI-compatible ``POST /v1/chat/completions``.

Requests use the names of the Python API (``question``, ``history``, ``k``,
``speaker``, ``district``); responses are ``Answer.to_dict()`` and
``Passage.to_dict()``, the shape ``taixin-qa ask/search --json`` prints.
Errors are 4xx JSON, ``{"error": {"message", "type", "param"}}``, in the
language of the question (Chinese unless the question is not).

The chat completion route lets tools that speak OpenAI's protocol (Open WebUI,
Dify and the like) use the page as a "model": the messages are the
conversation, the reply is the extractive answer with its citations, in the
message text and in the extra field ``citations``.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Annotated, Any, Literal, Protocol

from fastapi import APIRouter, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from taixin_qa.errors import TaixinError
from taixin_qa.results import Answer, SearchResult
from taixin_qa.web.render import answer_markdown, passage_label

__all__ = ["MODEL_NAME", "add_api", "bounded", "search_dict", "short"]

log = logging.getLogger(__name__)

MODEL_NAME = "taixin-qa"
MAX_K = 10
MAX_SEARCH_K = 50
# A question longer than this is refused; a shorter one is cut to the engine's
# limit (500 characters after cleaning) and the answer says so.
MAX_API_QUESTION = 20_000
MAX_HISTORY = 50
MAX_MESSAGES = 100
# Raw text is cut to this before anything reads it (tokenizing a 10 MB question
# for highlighting took 51 s); the engine cuts the cleaned text again, to 500.
MAX_RAW_QUESTION = 2_000
INTERNAL_ERROR = {
    "zh": "抱歉，这个问题暂时没能回答，请稍后再试。",
    "en": "Sorry, this question could not be answered; please try again later.",
}


def bounded(text: object, limit: int = MAX_RAW_QUESTION) -> str:
    """Any input as a string of at most ``limit`` characters: the first thing every route does with a question."""
    if text is None:
        return ""
    return (text if isinstance(text, str) else str(text))[:limit]


def short(text: object, limit: int = 200) -> str:
    """A question as it may appear in the log: at most ``limit`` characters."""
    s = bounded(text, limit + 1)
    return s if len(s) <= limit else s[:limit] + "…"


class Engine(Protocol):
    def answer(
        self,
        question: object,
        history: Any = None,
        k: int | None = None,
        speaker: str | None = None,
        district: str | None = None,
    ) -> Answer: ...

    def search(
        self,
        question: object,
        k: int | None = None,
        speaker: str | None = None,
        district: str | None = None,
        history: Any = None,
    ) -> SearchResult: ...


# -- request and response models ------------------------------------------------------


class ContentPart(BaseModel):
    type: str = "text"
    text: str = ""
    model_config = ConfigDict(extra="allow")


class Turn(BaseModel):
    """One turn of the conversation so far."""

    role: Literal["user", "assistant", "system", "developer", "tool"]
    content: str | list[ContentPart] | None = None
    model_config = ConfigDict(extra="allow")

    def text(self) -> str:
        if isinstance(self.content, list):
            return " ".join(p.text for p in self.content if p.type == "text")
        return self.content or ""


Question = Annotated[
    str,
    Field(
        max_length=MAX_API_QUESTION,
        description="The question, in Chinese or English.",
        examples=["阳曲县的发展目标是什么？"],
    ),
]
Filter = Annotated[str | None, Field(max_length=100)]
History = Annotated[
    list[str | Turn],
    Field(
        max_length=MAX_HISTORY,
        description="The conversation so far: earlier questions as strings, or {role, content} turns including "
        "the assistant's answers.",
        examples=[["万柏林区第一年计划完成多少投资？"]],
    ),
]


class AskRequest(BaseModel):
    """Same names as ``taixin_qa.answer()``."""

    model_config = ConfigDict(extra="forbid")
    question: Question
    history: History = []
    k: int = Field(5, ge=1, le=MAX_K, description="How many related passages to return.")
    speaker: Filter = Field(None, description="Only this speaker, e.g. 裴耀军.")
    district: Filter = Field(None, description="Only this district, e.g. 阳曲县 or Yangqu.")


class SearchRequest(AskRequest):
    """Same names as ``taixin_qa.retrieve()``."""

    k: int = Field(5, ge=1, le=MAX_SEARCH_K, description="How many passages.")


class PassageOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    text: str
    speaker: str
    role: str
    district: str
    headline: str | None
    interview_id: str
    kind: str
    score: float


class SentenceOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    text: str
    speaker: str
    role: str
    district: str
    passage_id: str
    source: int = Field(description="1-based index into passages: the [n] marker.")
    start: int = Field(description="Where text starts in the passage's text; -1 if not verbatim.")


class AnswerOut(BaseModel):
    """``Answer.to_dict()``."""

    model_config = ConfigDict(extra="allow")
    text: str
    found: bool
    question: str
    notice: str
    short: str | None
    missing: str | None
    cited: int
    understood_as: str | None
    reason: str
    sentences: list[SentenceOut]
    passages: list[PassageOut]


class SearchOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    question: str
    found: bool
    notice: str
    reason: str
    passages: list[PassageOut]


class ChatRequest(BaseModel):
    """OpenAI's chat completion request; parameters this app has no use for are accepted and ignored."""

    model_config = ConfigDict(extra="allow")
    model: str = MODEL_NAME
    messages: list[Turn] = Field(min_length=1, max_length=MAX_MESSAGES)
    stream: bool = False
    k: int = Field(5, ge=1, le=MAX_K)
    speaker: Filter = None
    district: Filter = None


class ErrorBody(BaseModel):
    message: str
    type: str
    param: str | None = None


class ErrorOut(BaseModel):
    error: ErrorBody


ERRORS: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorOut, "description": "Request body too large"},
    415: {"model": ErrorOut, "description": "Body is not JSON"},
    422: {"model": ErrorOut, "description": "A field is missing or has the wrong type"},
}


def search_dict(result: SearchResult) -> dict[str, Any]:
    """What ``taixin-qa search --json`` prints and ``/api/search`` returns."""
    return {
        "question": result.question.text,
        "found": result.answerable,
        "notice": result.notice,
        "reason": result.reason,
        "passages": [p.to_dict() for p in result.passages],
    }


def citations(answer: Answer, label: Any = passage_label) -> list[dict[str, Any]]:
    """The cited sources of an answer for API clients: ``[{"source": 1, "passage_id", "label", ...}]``."""
    out = []
    for n, p in enumerate(answer.passages[: answer.cited], 1):
        out.append(
            {
                "source": n,
                "passage_id": p.id,
                "label": label(p),
                "speaker": p.speaker,
                "role": p.role,
                "district": p.district,
                "text": p.text,
            }
        )
    return out


# -- errors in the language of the question ------------------------------------------


def _has_chinese(text: object) -> bool:
    return isinstance(text, str) and any("\u3400" <= ch <= "\u9fff" for ch in text)


def _language(request_body: Any, accept: str) -> str:
    question = None
    if isinstance(request_body, dict):
        question = request_body.get("question")
        messages = request_body.get("messages")
        if question is None and isinstance(messages, list) and messages and isinstance(messages[-1], dict):
            question = messages[-1].get("content")
    if isinstance(question, str) and question.strip():
        return "zh" if _has_chinese(question) else "en"
    return "en" if accept.lower().startswith("en") else "zh"


_KINDS_ZH = {"int": "整数", "str": "字符串", "list": "列表", "bool": "布尔值（true/false）", "dict": "JSON 对象"}


def _describe(error: dict[str, Any], lang: str) -> tuple[str, str]:
    """(field, message) for one pydantic error."""
    loc = [str(x) for x in error.get("loc", ()) if x != "body"]
    loc = [x for x in loc if not x.startswith(("str", "list[", "function-", "tagged-union"))]
    field = ".".join(loc) or "body"
    kind = error.get("type", "")
    got = json.dumps(error.get("input"), ensure_ascii=False)[:60] if "input" in error else ""
    ctx = error.get("ctx") or {}
    zh = lang == "zh"
    if kind == "missing":
        return field, (f"缺少字段 {field}。" if zh else f"Field '{field}' is missing.")
    if kind == "extra_forbidden":
        return field, (
            f"不认识的字段 {field}；可用字段：question、history、k、speaker、district。"
            if zh
            else f"Unknown field '{field}'; the fields are question, history, k, speaker, district."
        )
    if kind in ("json_invalid", "model_attributes_type", "dict_type", "model_type"):
        return field, (
            '请求体必须是 JSON 对象，例如 {"question": "阳曲县的发展目标是什么？"}。'
            if zh
            else 'The body must be a JSON object, e.g. {"question": "What does Gujiao plan?"}.'
        )
    for suffix, name in (("int", "int"), ("string", "str"), ("list", "list"), ("bool", "bool")):
        if kind.startswith(suffix) and kind.endswith(("_type", "_parsing", "_from_float")):
            return field, (
                f"字段 {field} 应为{_KINDS_ZH[name]}，收到 {got}。"
                if zh
                else f"Field '{field}' must be {'an integer' if name == 'int' else 'a ' + name}; got {got}."
            )
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        bound = next(v for v in (ctx.get("ge"), ctx.get("le"), ctx.get("gt"), ctx.get("lt")) if v is not None)
        rel = {
            "greater_than_equal": ("不能小于", "at least"),
            "less_than_equal": ("不能大于", "at most"),
            "greater_than": ("必须大于", "greater than"),
            "less_than": ("必须小于", "less than"),
        }[kind]
        return field, (
            f"字段 {field} {rel[0]} {bound}，收到 {got}。"
            if zh
            else f"Field '{field}' must be {rel[1]} {bound}; got {got}."
        )
    if kind in ("string_too_long", "too_long"):
        most = ctx.get("max_length")
        return field, (
            f"字段 {field} 太长（最多 {most}）。" if zh else f"Field '{field}' is too long (at most {most})."
        )
    if kind == "too_short":
        return field, (f"字段 {field} 不能为空。" if zh else f"Field '{field}' must not be empty.")
    if kind == "literal_error":
        expected = ctx.get("expected", "")
        return field, (
            f"字段 {field} 只能是 {expected}，收到 {got}。"
            if zh
            else f"Field '{field}' must be one of {expected}; got {got}."
        )
    return field, (
        f"字段 {field} 无效：{error.get('msg', '')}" if zh else f"Field '{field}' is invalid: {error.get('msg', '')}"
    )


def error_response(
    status: int,
    message: str,
    kind: str = "invalid_request_error",
    param: str | None = None,
) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": kind, "param": param}}, status_code=status)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    body = getattr(exc, "body", None)
    lang = _language(body, request.headers.get("accept-language", ""))
    described = [_describe(dict(e), lang) for e in exc.errors()[:5]]
    message = ("；" if lang == "zh" else "; ").join(m for _, m in described)
    return error_response(422, message, param=described[0][0] if described else None)


# -- the routes ---------------------------------------------------------------------------


def _history(history: list[str | Turn]) -> list[Any]:
    """The history as the engine takes it: strings, or role/content dicts; each text bounded."""
    out: list[Any] = []
    for turn in history[-MAX_HISTORY:]:
        if isinstance(turn, Turn):
            if turn.role in ("user", "assistant"):
                out.append({"role": turn.role, "content": bounded(turn.text(), 4 * MAX_RAW_QUESTION)})
        else:
            out.append(bounded(turn))
    return out


def add_api(app: FastAPI, engine: Engine, label: Callable[[Any], str] = passage_label) -> None:
    """Add the JSON routes over ``engine`` to ``app`` (and its 4xx error shape).

    ``label`` names a source in the chat completion text ("裴耀军专访 第3段").
    """
    app.add_exception_handler(RequestValidationError, _validation_error)
    router = APIRouter()

    def answer(question: str, history: list[Any], k: int, speaker: str | None, district: str | None) -> Answer:
        log.info("ask %r", short(question))
        return engine.answer(bounded(question), history=history, k=k, speaker=speaker, district=district)

    def refused(exc: Exception, question: str) -> JSONResponse:
        lang = "zh" if _has_chinese(question) else "en"
        if isinstance(exc, TaixinError):
            log.info("refused %r: %s", short(question), short(exc, 300))
            return error_response(422, str(exc))
        log.error("failed on %r", short(question), exc_info=exc)
        return error_response(500, INTERNAL_ERROR[lang], kind="server_error")

    @router.post(
        "/api/ask",
        response_model=AnswerOut,
        responses=ERRORS,
        tags=["问答 · Q&A"],
        summary="Answer a question with the page's own sentences and who said them",
    )
    def api_ask(request: AskRequest) -> Any:
        try:
            return answer(
                request.question, _history(request.history), request.k, request.speaker, request.district
            ).to_dict()
        except Exception as exc:  # noqa: BLE001 - every failure becomes a JSON error, never a traceback page
            return refused(exc, request.question)

    @router.post(
        "/api/search",
        response_model=SearchOut,
        responses=ERRORS,
        tags=["问答 · Q&A"],
        summary="The passages that best answer a question, with who said them",
    )
    def api_search(request: SearchRequest) -> Any:
        log.info("search %r", short(request.question))
        try:
            result = engine.search(
                bounded(request.question),
                k=request.k,
                speaker=request.speaker,
                district=request.district,
                history=_history(request.history),
            )
        except Exception as exc:  # noqa: BLE001
            return refused(exc, request.question)
        return search_dict(result)

    @router.get("/v1/models", tags=["OpenAI-compatible"], summary="The one model this server offers")
    def models() -> dict[str, Any]:
        return {
            "object": "list",
            "data": [{"id": MODEL_NAME, "object": "model", "created": 0, "owned_by": "taixin-qa"}],
        }

    @router.post(
        "/v1/chat/completions",
        responses=ERRORS,
        tags=["OpenAI-compatible"],
        summary="OpenAI-compatible chat completion (streaming with stream=true)",
    )
    async def chat_completions(request: ChatRequest) -> Any:
        last = request.messages[-1]
        english = not _has_chinese(last.text())
        if last.role != "user":
            return error_response(
                422,
                'The last message must be the user\'s question (role "user").'
                if english
                else '最后一条消息必须是用户的问题（role 为 "user"）。',
                param="messages",
            )
        history = _history(list(request.messages[:-1]))
        try:
            ans = await run_in_threadpool(answer, last.text(), history, request.k, request.speaker, request.district)
        except Exception as exc:  # noqa: BLE001
            return refused(exc, last.text())
        completion = _Completion(request.model, ans, label)
        if request.stream:
            return StreamingResponse(
                completion.chunks(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
            )
        return completion.whole()

    app.include_router(router)


class _Completion:
    """One answer as an OpenAI chat completion, whole or as server-sent events."""

    def __init__(self, model: str, answer: Answer, label: Callable[[Any], str]):
        self.label = label
        self.id = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        self.created = int(time.time())
        self.model = model or MODEL_NAME
        self.answer = answer
        self.content = answer_markdown(answer, label)

    def _base(self, kind: str) -> dict[str, Any]:
        return {"id": self.id, "object": kind, "created": self.created, "model": self.model}

    def _extra(self) -> dict[str, Any]:
        return {"citations": citations(self.answer, self.label), "answer": self.answer.to_dict()}

    def whole(self) -> dict[str, Any]:
        return {
            **self._base("chat.completion"),
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": self.content}, "finish_reason": "stop"}
            ],
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
            **self._extra(),
        }

    def chunks(self) -> Iterator[str]:
        def event(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
            data = {
                **self._base("chat.completion.chunk"),
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                **extra,
            }
            return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"

        yield event({"role": "assistant", "content": ""})
        for line in self.content.splitlines(keepends=True):
            yield event({"content": line})
        yield event({}, "stop", **self._extra())
        yield "data: [DONE]\n\n"
