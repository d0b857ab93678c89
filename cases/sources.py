"""Records a case can be registered from that belong to apps built on cases. A petition
turned into a dispute case is petitions' business (访调对接): petitions registers here who
may name a petition and what happens once the case exists, so cases imports no petitions.

    register_source("petition", visible_to=..., link=...)   # in petitions/apps.py
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    visible_to: object  # visible_to(user) -> QuerySet of the records the user may name
    link: object  # link(record_pk, case, actor): inside register_case's transaction


_SOURCES: dict[str, Source] = {}


def register_source(name, *, visible_to, link):
    _SOURCES[name] = Source(visible_to, link)


def visible_records(name, user):
    """The records of kind `name` the user may name as a case's source."""
    return _SOURCES[name].visible_to(user)


def link_record(name, pk, case, *, actor):
    _SOURCES[name].link(pk, case, actor=actor)
