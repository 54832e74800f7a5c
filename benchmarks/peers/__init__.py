"""Peer halves of the benchmarks (Brian2, ANNarchy), run in the peers venv.

Use ``from benchmarks.peers.run_peer import run_peer, peers_available``.
"""
