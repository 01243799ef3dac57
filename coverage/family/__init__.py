"""The coverage-family model in one place: its labels, training data, training, reports,
batched prediction and the context-prior baseline it is measured against.

The network itself is :class:`coverage.models.family.CoverageFamilyModel` (every network
lives in :mod:`coverage.models`; how it is trained and served is :mod:`coverage.pipelines`);
explanations built on this model (occlusion attribution, tells) are :mod:`coverage.explain`.
"""
