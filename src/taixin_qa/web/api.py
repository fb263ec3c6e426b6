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
from enum import Enum
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
    hedge: str | None = None
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


# Messages per kind of schema error: (Chinese, English), filled in by _describe.
_MESSAGES: dict[str, tuple[str, str]] = {
    "missing": ("缺少字段 {field}。", "Field '{field}' is missing."),
    "extra": (
        "不认识的字段 {field}；可用字段：question、history、k、speaker、district。",
        "Unknown field '{field}'; the fields are question, history, k, speaker, district.",
    ),
    "body": (
        '请求体必须是 JSON 对象，例如 {{"question": "阳曲县的发展目标是什么？"}}。',
        'The body must be a JSON object, e.g. {{"question": "What does Gujiao plan?"}}.',
    ),
    "type": ("字段 {field} 应为{kind_zh}，收到 {got}。", "Field '{field}' must be {kind_en}; got {got}."),
    "ge": ("字段 {field} 不能小于 {bound}，收到 {got}。", "Field '{field}' must be at least {bound}; got {got}."),
    "le": ("字段 {field} 不能大于 {bound}，收到 {got}。", "Field '{field}' must be at most {bound}; got {got}."),
    "long": ("字段 {field} 太长（最多 {most}）。", "Field '{field}' is too long (at most {most})."),
    "short": ("字段 {field} 不能为空。", "Field '{field}' must not be empty."),
    "literal": (
        "字段 {field} 只能是 {expected}，收到 {got}。",
        "Field '{field}' must be one of {expected}; got {got}.",
    ),
    "other": ("字段 {field} 无效：{msg}", "Field '{field}' is invalid: {msg}"),
}
_TYPES = {
    "int": ("整数", "an integer"),
    "string": ("字符串", "a string"),
    "list": ("列表", "a list"),
    "bool": ("布尔值（true/false）", "true or false"),
}
_KIND = {
    "missing": "missing",
    "extra_forbidden": "extra",
    "json_invalid": "body",
    "model_attributes_type": "body",
    "dict_type": "body",
    "model_type": "body",
    "greater_than_equal": "ge",
    "greater_than": "ge",
    "less_than_equal": "le",
    "less_than": "le",
    "string_too_long": "long",
    "too_long": "long",
    "too_short": "short",
    "literal_error": "literal",
}


def _describe(error: dict[str, Any], lang: str) -> tuple[str, str]:
    """(field, message) for one pydantic error, in Chinese (``lang="zh"``) or English."""
    loc = [str(x) for x in error.get("loc", ()) if x != "body"]
    field = ".".join(x for x in loc if not x.startswith(("str", "list[", "function-", "tagged-union"))) or "body"
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    values = {
        "field": field,
        "msg": error.get("msg", ""),
        "most": ctx.get("max_length"),
        "expected": ctx.get("expected", ""),
        "kind_zh": "",
        "kind_en": "",
        "got": json.dumps(error.get("input"), ensure_ascii=False)[:60] if "input" in error else "",
        "bound": next((v for v in (ctx.get(n) for n in ("ge", "le", "gt", "lt")) if v is not None), ""),
    }
    key = _KIND.get(kind, "other")
    base = kind.split("_")[0]
    if key == "other" and base in _TYPES and kind.endswith(("_type", "_parsing", "_from_float")):
        key, (values["kind_zh"], values["kind_en"]) = "type", _TYPES[base]
    zh, en = _MESSAGES[key]
    return field, (zh if lang == "zh" else en).format(**values)


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


class _Routes:
    """The handlers of the JSON routes over one engine."""

    def __init__(self, engine: Engine, label: Callable[[Any], str]):
        self.engine = engine
        self.label = label

    def answer(self, question: str, history: list[Any], k: int, speaker: str | None, district: str | None) -> Answer:
        log.info("ask %r", short(question))
        return self.engine.answer(bounded(question), history=history, k=k, speaker=speaker, district=district)

    @staticmethod
    def refused(exc: Exception, question: str) -> JSONResponse:
        """A refusal the user can fix is 422 with the engine's words; anything else is 500, logged, said politely."""
        if isinstance(exc, TaixinError):
            log.info("refused %r: %s", short(question), short(exc, 300))
            return error_response(422, str(exc))
        log.error("failed on %r", short(question), exc_info=exc)
        return error_response(500, INTERNAL_ERROR["zh" if _has_chinese(question) else "en"], kind="server_error")

    def ask(self, request: AskRequest) -> Any:
        try:
            ans = self.answer(request.question, _history(request.history), request.k, request.speaker, request.district)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a JSON error, never a traceback page
            return self.refused(exc, request.question)
        return ans.to_dict()

    def search(self, request: SearchRequest) -> Any:
        log.info("search %r", short(request.question))
        try:
            result = self.engine.search(
                bounded(request.question),
                k=request.k,
                speaker=request.speaker,
                district=request.district,
                history=_history(request.history),
            )
        except Exception as exc:  # noqa: BLE001
            return self.refused(exc, request.question)
        return search_dict(result)

    @staticmethod
    def models() -> dict[str, Any]:
        return {
            "object": "list",
            "data": [{"id": MODEL_NAME, "object": "model", "created": 0, "owned_by": "taixin-qa"}],
        }

    async def chat_completions(self, request: ChatRequest) -> Any:
        last = request.messages[-1]
        if last.role != "user":
            english = not _has_chinese(last.text())
            return error_response(
                422,
                'The last message must be the user\'s question (role "user").'
                if english
                else '最后一条消息必须是用户的问题（role 为 "user"）。',
                param="messages",
            )
        history = _history(list(request.messages[:-1]))
        try:
            ans = await run_in_threadpool(
                self.answer, last.text(), history, request.k, request.speaker, request.district
            )
        except Exception as exc:  # noqa: BLE001
            return self.refused(exc, last.text())
        completion = _Completion(request.model, ans, self.label)
        if request.stream:
            return StreamingResponse(
                completion.chunks(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
            )
        return completion.whole()


def add_api(app: FastAPI, engine: Engine, label: Callable[[Any], str] = passage_label) -> None:
    """Add the JSON routes over ``engine`` to ``app`` (and its 4xx error shape).

    ``label`` names a source in the chat completion text ("裴耀军专访 第3段").
    """
    app.add_exception_handler(RequestValidationError, _validation_error)
    routes = _Routes(engine, label)
    qa: list[str | Enum] = ["问答 · Q&A"]
    openai: list[str | Enum] = ["OpenAI-compatible"]
    router = APIRouter()

    def post(path: str, endpoint: Callable[..., Any], tags: list[str | Enum], summary: str, **extra: Any) -> None:
        router.add_api_route(path, endpoint, methods=["POST"], responses=ERRORS, tags=tags, summary=summary, **extra)

    post(
        "/api/ask",
        routes.ask,
        qa,
        "Answer a question with the page's own sentences and who said them",
        response_model=AnswerOut,
    )
    post(
        "/api/search",
        routes.search,
        qa,
        "The passages that best answer a question, with who said them",
        response_model=SearchOut,
    )
    router.add_api_route(
        "/v1/models", routes.models, methods=["GET"], tags=openai, summary="The one model this server offers"
    )
    post(
        "/v1/chat/completions",
        routes.chat_completions,
        openai,
        "OpenAI-compatible chat completion (streaming with stream=true)",
    )
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
