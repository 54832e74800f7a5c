"""ANNarchy's network ids: ``net.id`` and the ``net_id=`` of its global functions.

ANNarchy numbers every ``Network`` (1, 2, ...; 0 is its global network) and its
module-level functions take ``net_id=`` to say which network they act on
(``save_parameters('p.json', net_id=net.id)``). The engine keeps no global list
of networks (DESIGN: no module singletons), so an id is handed out the first
time ``net.id`` is read and remembered in a weak table: a forgotten network
leaves it, and an id nobody has read cannot be guessed into a lookup.

``net_id`` accepts, as ANNarchy: ``0`` (or ``None``) for the active network
(``with net:`` or the default one of this context, see
:mod:`engine.runtime.active`), an id read from ``net.id``, or, because it costs
nothing and reads better, the ``Network`` itself.
"""

from __future__ import annotations

import itertools
import numbers
import threading
import weakref

from engine.errors import NetworkError

__all__ = ["network_id", "resolve_network"]

_lock = threading.Lock()
_next = itertools.count(1)
_by_id: "weakref.WeakValueDictionary[int, object]" = weakref.WeakValueDictionary()


def network_id(net) -> int:
    """The id of ``net`` (given on first request, stable for the network's life)."""
    with _lock:
        nid = net.__dict__.get("_annarchy_id")
        if nid is None or _by_id.get(nid) is not net:  # new, or a copy from elsewhere
            nid = next(_next)
            net.__dict__["_annarchy_id"] = nid
            _by_id[nid] = net
        return nid


def resolve_network(net_id, caller: str):
    """The network ``net_id`` designates (see the module documentation).

    Raises
    ------
    NetworkError
        ``net_id`` is not 0, None, a network, or the id of a living network.
    """
    from engine.runtime.active import active_network, network_class

    if net_id is None:
        return active_network()
    if isinstance(net_id, network_class()):
        return net_id
    if isinstance(net_id, numbers.Integral) and not isinstance(net_id, bool):
        nid = int(net_id)
        if nid == 0:
            return active_network()
        net = _by_id.get(nid)
        if net is not None:
            return net
        raise NetworkError(f"{caller}: no network has id {nid} (ids come from net.id; "
                           "net_id=0 is the active network)")
    raise NetworkError(f"{caller}: net_id must be a network id (net.id), 0 for the active "
                       f"network, or a Network; got {net_id!r:.60}")
