"""Media requests in Discord: `_cog` the commands, `_components` the buttons and modals,
`_text` what they say."""

from __future__ import annotations

from cogs.requests._cog import RequestsCog

__all__ = ["RequestsCog"]
