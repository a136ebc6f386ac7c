"""Multi-node topologies for the operations specification (Sentinel, a cluster with replicas).

Registered as its own pytest plugin (entry point ``pytest11`` ``redisbehaviors-topologies``), beside
:mod:`redisbehaviors.testing.plugin`.
"""
