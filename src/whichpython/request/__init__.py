"""What a request asks for (docs/architecture.md): the request grammar, version specifiers,
platforms and version files. It may import the model layer and the floor modules. Nothing is
imported here: ``packaging.specifiers`` only when a range is asked for."""
