"""How far the synthetic season is from real football, measured on what the models see.

``geometry`` and ``motion`` profile alignments and movement per position group, ``domain``
trains a synthetic-vs-real frame classifier (its cross-validated AUC is the headline
realism figure: 0.5 means the two worlds look alike), ``labels`` compares the label tables,
``sources`` opens the two sides and ``report`` writes the tables as Markdown.
"""
