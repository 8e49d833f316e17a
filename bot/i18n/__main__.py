"""`python -m bot.i18n extract|update|compile|check`: the translator's workflow."""

from __future__ import annotations

import sys

from bot.i18n import tools


def main(argv: list[str]) -> int:
    step = argv[0] if argv else "check"
    if step == "extract":
        print(f"{len(tools.extract())} texts in {tools.TEMPLATE}")
    elif step == "update":
        tools.update()
    elif step == "compile":
        tools.compile_all()
    elif step == "check":
        missing = tools.untranslated()
        for code, texts in missing.items():
            print(f"{code}: {len(texts)} untranslated")
            for text in texts:
                print(f"  {text!r}")
        return int(any(missing.values()))
    else:
        print("usage: python -m bot.i18n extract|update|compile|check", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
