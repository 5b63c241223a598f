__all__ = ['ttypes', 'constants', 'Atelier']
