"""No text a member reads is left as a literal in the cogs and the Discord-side modules."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHECKED = sorted(
    [*ROOT.glob("cogs/**/*.py"), ROOT / "bot/tree.py", ROOT / "bot/notify.py", ROOT / "bot/web.py"]
)
WORDS = re.compile(r"[A-Za-z]{2,}[,.'!?:;]?\s+[A-Za-z]{2,}")  # two words apart: a sentence
MARKUP = re.compile(r"<!doctype|\{\{|'none'")  # the page shell and CSP header, not words
# Calls whose string arguments are not shown to members, or are already catalog messages.
EXEMPT_CALLS = {
    "N_",
    "_",
    "ngettext",
    "pgettext",
    "Msg",
    "PluralMsg",
    "debug",
    "info",
    "warning",
    "error",
    "exception",
    "getLogger",
    "DeliveryFailed",  # the outbox's own record of why a send failed
    "AssertionError",
}
# HTTP-level texts of the web server's error pages and API answers (not Discord text).
ALLOWED = {"Internal Server Error", "malformed webhook body", 'Bearer realm="metrics"'}


def docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def exempt_nodes(tree: ast.AST) -> set[int]:
    """Every node inside an exempt call, an assert or a log line."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        skip = isinstance(node, ast.Assert)
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            skip = name in EXEMPT_CALLS
        if skip:
            inside.update(id(child) for child in ast.walk(node))
    return inside


def literals(source: str, name: str) -> list[str]:
    """The user-facing-looking string literals of a module, as "file:line: text"."""
    tree = ast.parse(source)
    skipped = docstrings(tree) | exempt_nodes(tree)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Constant) or not isinstance(node.value, str):
            continue
        if id(node) in skipped or node.value in ALLOWED or not WORDS.search(node.value):
            continue
        if MARKUP.search(node.value):
            continue
        found.append(f"{name}:{node.lineno}: {node.value!r}")
    return found


def test_cogs_and_discord_modules_show_no_literal_text() -> None:
    """Replies, embeds, buttons, modals and pages go through the catalogs (N_, t._, Msg)."""
    left = []
    for path in CHECKED:
        left += literals(path.read_text(), str(path.relative_to(ROOT)))
    assert not left, "move these texts to the catalogs:\n" + "\n".join(left)


def test_the_check_finds_a_literal_and_passes_catalog_texts() -> None:
    """A reply written as a plain string or f-string is flagged; N_, t._ and log lines are not."""
    source = (ROOT / "cogs" / "help.py").read_text()
    assert literals(source, "help.py") == []
    bad = source + (
        "\nasync def reply(i, t, n):\n"
        '    """Answer."""\n'
        '    log.info("sent the reply to %s", n)\n'
        '    await i.response.send_message(t._("Done, all good."))\n'
        '    await i.response.send_message("Here is a literal reply.")\n'
        '    await i.followup.send(f"You have {n} requests left.")\n'
    )
    flagged = {line.split(": ", 1)[1] for line in literals(bad, "help.py")}
    assert flagged == {"'Here is a literal reply.'", "'You have '", "' requests left.'"}
