"""Facts derived from one probe (docs/architecture.md): the kind and the manager (classify),
an environment's ownership (environments), the sysconfig corrections (fixes), embedding, and
the journal of a sysconfig repair. It may import the cache, the probe, the sources, the
request and the model layers, and the floor modules. Nothing is imported here."""
