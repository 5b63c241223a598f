"""Atelier for Krita: generative fill, inpaint, expand, background removal and flats in a docker.

Krita imports this package; plain python3 imports its pure modules (pixels, layout, connection)
for the unit tests, so nothing Krita-specific happens unless Krita is there.
"""

try:
    from krita import Krita
except ImportError:  # plain python3 (unit tests): no registration
    Krita = None

if Krita is not None:
    from .plugin import register
    register(Krita.instance())
