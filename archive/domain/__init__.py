"""The archive's rules in its users' words: dossiers, documents, folios, case types, roles.

Nothing here imports a web framework, a database driver or a storage client; the layers
around it translate to and from these types.
"""
