class ListConfig(list):
    """Never instantiated here: the networks are built from plain Python lists."""
