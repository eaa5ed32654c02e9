"""The table of side effects (marketplace/handlers.py) against the code: every topic the code
enqueues has a handler, and every handler's topic is enqueued somewhere."""

import ast
from pathlib import Path

from marketplace import handlers, outbox

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "marketplace"

# enqueue() calls whose topic is not a string literal: (file, enclosing function) -> the topics
# that call can send. A new non-literal enqueue fails the test until it is listed here.
DYNAMIC = {
    # outbox.enqueue hands its caller's topic on to enqueue_all: the callers are counted.
    ("marketplace/outbox.py", "enqueue"): set(),
    ("marketplace/services/holds.py", "close"): {
        "reservation.cancelled",
        "reservation.expired",
        "reservation.no_show",
    },
}


def enqueued_topics() -> tuple[dict[str, list[str]], list[str]]:
    """(literal topic -> where, unlisted non-literal calls) for every `enqueue(` in marketplace/,
    and every `enqueue_all(` or `record_event(..., also=...)`, whose (topic, payload) pairs are
    written out in the call."""
    literal: dict[str, list[str]] = {}
    unlisted: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=relative)
        for function, call in _enqueue_calls(tree):
            where = f"{relative}:{call.lineno} ({function})"
            topics = _topics(call)
            if topics:
                for topic in topics:
                    literal.setdefault(topic, []).append(where)
            elif (relative, function) in DYNAMIC:
                for name in DYNAMIC[(relative, function)]:
                    literal.setdefault(name, []).append(where)
            else:
                unlisted.append(where)
    return literal, unlisted


def _topics(call: ast.Call) -> list[str]:
    """The literal topics a call sends: enqueue's topic argument, or the first items of the
    (topic, payload) tuples written in enqueue_all's messages or record_event's `also`."""
    name = _name(call)
    if name == "enqueue":
        topic = call.args[1] if len(call.args) > 1 else _keyword(call, "topic")
        found = [topic]
    else:
        messages = call.args[1] if name == "enqueue_all" and len(call.args) > 1 else None
        messages = messages or _keyword(call, "messages") or _keyword(call, "also")
        found = [
            node.elts[0] for node in ast.walk(messages) if isinstance(node, ast.Tuple) and node.elts
        ]
    return [t.value for t in found if isinstance(t, ast.Constant) and isinstance(t.value, str)]


def _name(call: ast.Call):
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)


def _enqueue_calls(tree):
    """(enclosing function name, call) for each call of `enqueue` or `<x>.enqueue`."""

    def walk(node, function):
        for child in ast.iter_child_nodes(node):
            inner = (
                child.name
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
                else function
            )
            if isinstance(child, ast.Call) and (
                _name(child) in ("enqueue", "enqueue_all")
                or (_name(child) == "record_event" and _keyword(child, "also"))
            ):
                yield function, child
            yield from walk(child, inner)

    yield from walk(tree, "<module>")


def _keyword(call: ast.Call, name: str):
    return next((k.value for k in call.keywords if k.arg == name), None)


def test_every_enqueue_names_its_topic_literally_or_is_listed():
    _literal, unlisted = enqueued_topics()
    assert not unlisted, f"enqueue() with a computed topic; list its topics in DYNAMIC: {unlisted}"


def test_every_enqueued_topic_has_a_handler():
    literal, _unlisted = enqueued_topics()
    missing = {topic: where for topic, where in literal.items() if topic not in handlers.HANDLERS}
    assert not missing, (
        f"topics enqueued but handled by nobody (add them to handlers.py): {missing}"
    )


def test_every_handled_topic_is_enqueued_somewhere():
    literal, _unlisted = enqueued_topics()
    orphans = sorted(set(handlers.HANDLERS) - set(literal))
    assert not orphans, f"handlers.py subscribes to topics nothing enqueues: {orphans}"


def test_the_table_holds_functions_the_outbox_can_find_again_by_name():
    for topic, subscribers in handlers.HANDLERS.items():
        assert subscribers, topic
        for subscriber in subscribers:
            module, _dot, name = subscriber.name.rpartition(".")
            assert getattr(__import__(module, fromlist=[name]), name) is subscriber.handler
            assert subscriber.when in (
                None,
                "STRIPE_ENABLED",
                "MEILI_ENABLED",
                "MAIL_ENABLED",
                "PRH_LOOKUP_ENABLED",
            )
    assert all(callable(chore) for chore in handlers.CHORES)


def test_the_app_reads_the_table_at_start_up(app):
    wiring = outbox.wiring()
    assert wiring.topics == handlers.HANDLERS
    assert wiring.chores == handlers.CHORES
