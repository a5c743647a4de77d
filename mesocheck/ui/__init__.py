"""The tablet app's widgets and windows: the only package that imports Qt."""
