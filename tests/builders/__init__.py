"""Test and benchmark data builders (not part of the shipped package).

Plain modules with no pytest import, so benchmarks (run as scripts with the repository root
on ``sys.path``) can use them as well as the tests:

- :mod:`tests.builders.toy`: tiny normalised tracking with a planted man/zone signal;
- :mod:`tests.builders.sample_play`: one hand-built play (22 players + ball, a motion man);
- :mod:`tests.builders.formation_frames`: frames drawn from known formation templates;
- :mod:`tests.builders.fixtures`: where the real Big Data Bowl samples live.
- :mod:`tests.builders.stores`: the small stores the session fixtures share (app, real-
  labelled, toy), built once per folder.
"""
