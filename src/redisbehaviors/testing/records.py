"""One record per behaviour (``--behaviour-json``): the versioned schema shared by writer and reader.

Registered as its own pytest plugin (entry point ``pytest11`` ``redisbehaviors-records``).
"""
