"""Acknowledging an incident: an admin takes it, and its reminders stop."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.errors import InvalidInput
from bot.i18n import N_
from bot.services.outbox import Button
from storage.models import Incident

log = logging.getLogger(__name__)

ACK_PREFIX = "health:ack:"
INCIDENT_GONE = N_("That incident is no longer stored.")
INCIDENT_OVER = N_("That incident is already over.")


def ack_button(incident: Incident | None) -> tuple[Button, ...]:
    """The Acknowledge button of an alert (none while the incident could not be stored)."""
    if incident is None:
        return ()
    return (Button(N_("Acknowledge"), custom_id=f"{ACK_PREFIX}{incident.id}", style="primary"),)


async def acknowledge(incident_id: int, by: int, at: datetime) -> Incident:
    """Record who took the incident (the first press wins); returns it as stored."""
    incident = await Incident.get_or_none(id=incident_id)
    if incident is None:
        raise InvalidInput(INCIDENT_GONE)
    if incident.closed_at is not None:
        raise InvalidInput(INCIDENT_OVER)
    if incident.acknowledged_by is None:
        taken = await Incident.filter(id=incident_id, acknowledged_by__isnull=True).update(
            acknowledged_by=by, acknowledged_at=at
        )
        if taken:
            log.info(
                "health: incident %s (%s) acknowledged by %s", incident_id, incident.service, by
            )
        incident = await Incident.get(id=incident_id)
    return incident
