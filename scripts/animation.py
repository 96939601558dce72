"""What the animated figures (GIFs) share with the page that shows them.

A GIF records no resolution, so the page cannot tell how large its words are; the animations
are drawn at ``DPI`` with no text smaller than ``MIN_TEXT_PT`` points, and
``scripts/hooks/figures.py`` reads both to show each animation wide enough to read.
"""

DPI = 90
MIN_TEXT_PT = 10
