"""Thin KFP components, one per stage; each body imports paperline and makes one call.

Installed as `paperline.components`. Every component uses the one project image (settings.image(),
env PAPERLINE_IMAGE at compile time) and never installs packages at run time.
"""
