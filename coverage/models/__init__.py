"""Man/zone and coverage-family networks and their checkpoints (safetensors + JSON).

Training, prediction and evaluation of these networks: :mod:`coverage.pipelines`. This
package imports nothing itself, so reading the model table (:mod:`coverage.models.registry`,
e.g. for ``coverage --help``) does not import torch.
"""
