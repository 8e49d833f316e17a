"""`/setup`'s logic: the places admins choose from Discord, kept in the database."""

from bot.services.places import PLACES, Choice, Place, Places, SetByEnvironment
from bot.services.setup.review import Chooser, PlaceState, SetupReport, SetupReview

__all__ = [
    "PLACES",
    "Choice",
    "Chooser",
    "Place",
    "PlaceState",
    "Places",
    "SetByEnvironment",
    "SetupReport",
    "SetupReview",
]
