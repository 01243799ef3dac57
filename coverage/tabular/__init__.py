"""Pre-snap tabular models on the official label tables: features, tendencies, LightGBM.

* :mod:`coverage.tabular.features`: one row per play of what is known before the snap
  (situation, personnel, formation, motion) from plays / games / players / player_play.
* :mod:`coverage.tabular.tendencies`: each defense's (and each defender's) coverage habits
  and what an offense's opponents played against it, learned from the training weeks only
  with empirical-Bayes shrinkage, out-of-game for the training rows themselves.
* :mod:`coverage.tabular.boosting`: LightGBM on those rows, with week-8 calibration.
* :mod:`coverage.tabular.checkpoint` / :mod:`coverage.tabular.pipeline`: the pickle-free
  checkpoint and the train / load / predict functions of the ``tabular`` pipeline.
* :mod:`coverage.tabular.refit`: the refit on training + validation weeks once the
  validation week has chosen the settings, calibrated out-of-fold (leave-one-week-out).
* :mod:`coverage.tabular.importance`: permutation importance per feature group.
"""
