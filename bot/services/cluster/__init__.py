"""Running on more than one process: the leader lock, process heartbeats, download leases."""
