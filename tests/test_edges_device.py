"""``--device``: a device this machine lacks, or no device at all, is one line and exit 2 at
argument parsing, on every command that takes it."""

from __future__ import annotations

import pytest
import torch

from coverage.cli import build_parser, main

# every command that declares --device, with the positional arguments it needs
COMMANDS = [["train"], ["train-family"], ["predict", "models/transformer"], ["init"],
            ["finish-training", "--data", "nowhere"]]


def _declares_device(parser) -> list[str]:
    sub = next(a for a in parser._actions if a.dest == "command")
    return sorted(name for name, p in sub.choices.items()
                  if any("--device" in a.option_strings for a in p._actions))


def test_the_list_of_commands_is_complete() -> None:
    assert _declares_device(build_parser()) == sorted(c[0] for c in COMMANDS)


@pytest.mark.parametrize("cmd", COMMANDS, ids=lambda c: c[0])
@pytest.mark.parametrize("device,words", [
    ("tpu", "unknown device 'tpu'"), ("gpu", "unknown device"), ("cuda:x", "unknown device"),
    ("cpu:1", "unknown device"), ("", "unknown device"), ("mps:3", "unknown device"),
    ("cuda:" + "9" * 500, "unknown device"),
])
def test_unknown_devices(cmd, device, words, capsys) -> None:
    with pytest.raises(SystemExit) as done:
        main([*cmd, "--device", device])
    err = capsys.readouterr().err
    assert done.value.code == 2
    assert words in err and "--device" in err and err.count("\n") == 1 and len(err) < 300


@pytest.mark.parametrize("cmd", COMMANDS, ids=lambda c: c[0])
def test_devices_this_machine_lacks(cmd, monkeypatch, capsys) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    for device, words in (("cuda", "no CUDA device"), ("cuda:7", "no CUDA device"),
                          ("mps", "MPS")):
        with pytest.raises(SystemExit) as done:
            main([*cmd, "--device", device])
        err = capsys.readouterr().err
        assert done.value.code == 2 and words in err and err.count("\n") == 1, err


def test_a_cuda_index_past_the_last_gpu(monkeypatch, capsys) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    parser = build_parser()
    assert parser.parse_args(["predict", "m", "--device", "cuda:1"]).device == "cuda:1"
    assert parser.parse_args(["predict", "m", "--device", " CUDA "]).device == "cuda"
    with pytest.raises(SystemExit):
        parser.parse_args(["predict", "m", "--device", "cuda:2"])
    assert "numbered 0 to 1" in capsys.readouterr().err


@pytest.mark.parametrize("device", ["auto", "cpu", "CPU"])
def test_cpu_and_auto_parse_everywhere(device) -> None:
    parser = build_parser()
    for cmd in COMMANDS:
        assert parser.parse_args([*cmd, "--device", device]).device == device.lower()
    assert parser.parse_args(["predict", "m"]).device == "auto"
