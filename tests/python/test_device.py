"""tapml.connect: a remote device on loopback (tapml-serve) driven from
Python as if local: ops on torch and numpy tensors, carved calls re-run and
judged there, a wrong token and a server that dies as TapML errors."""
import os
import re
import signal
import subprocess
import time

import numpy as np
import pytest

import tapml

torch = pytest.importorskip("torch")


class Server:
    def __init__(self, tmp_path, target, env=None):
        self.token = tmp_path / "token"
        self.token.write_text("python-device-test-token\n")
        self.log = tmp_path / f"serve-{target}.log"
        self.process = subprocess.Popen(
            [tapml.tool("tapml-serve"), "--target", target, "--listen", "127.0.0.1:0",
             "--token-file", str(self.token)],
            stdout=self.log.open("w"), stderr=subprocess.STDOUT,
            env=dict(os.environ, **(env or {})))
        for _ in range(200):
            found = re.search(r"listening on tcp://([^,\s]+)", self.log.read_text())
            if found:
                self.endpoint = found.group(1)
                return
            time.sleep(0.05)
        self.stop()
        raise AssertionError("tapml-serve did not start:\n" + self.log.read_text())

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()


@pytest.fixture
def vulkan_server(tmp_path):
    server = Server(tmp_path, "vulkan")
    yield server
    server.stop()


def test_ops_run_remotely_on_torch_and_numpy(vulkan_server):
    s = vulkan_server
    dev = tapml.connect(f"remote://{s.endpoint}/vulkan", token_file=s.token)
    assert "vulkan" in dev.name or "llvmpipe" in dev.name
    x = torch.randn(4, 9, 33)
    y = dev.run("aten::softmax.int", x, dim=-1)
    assert isinstance(y, torch.Tensor) and y.shape == x.shape
    torch.testing.assert_close(y, torch.softmax(x, dim=-1))
    a, b = np.random.default_rng(1).standard_normal((2, 16, 8)).astype(np.float32)
    z = dev.run("aten::mm", a, b.T)  # a transposed view goes as it is
    assert isinstance(z, np.ndarray)
    np.testing.assert_allclose(z, a @ b.T, rtol=1e-5, atol=1e-5)
    h = torch.randn(8, 64, dtype=torch.bfloat16)
    torch.testing.assert_close(dev.run("aten::gelu", h), torch.nn.functional.gelu(h))
    values, indices = dev.run("aten::topk", torch.randn(5, 40), 3)
    assert values.shape == (5, 3) and indices.dtype == torch.int64


def test_carved_calls_rerun_and_judged_there(tmp_path, minilm):
    trace = tapml.open(minilm)
    call = trace.calls(op="linear")[0]
    clean = Server(tmp_path, "vulkan")
    try:
        dev = tapml.connect(f"remote://{clean.endpoint}/vulkan", token_file=clean.token)
        verdict = dev.run(call)
        assert verdict.status == "PASS" and verdict.op == "aten::linear"
    finally:
        clean.stop()
    planted = Server(tmp_path, "vulkan", env={"TAPML_PLANT_BUG": "matmul-ignores-stride"})
    try:
        dev = tapml.connect(f"remote://{planted.endpoint}/vulkan", token_file=planted.token)
        assert dev.run(trace.calls(op="matmul")[0]).status == "FAIL"
    finally:
        planted.stop()


def test_a_local_target_is_a_device_too(minilm):
    dev = tapml.connect("opencl")
    x = torch.randn(3, 7)
    torch.testing.assert_close(dev.run("aten::exp", x), torch.exp(x))
    carved = tapml.open(minilm)[5]
    assert dev.run(carved).status == "PASS"
    table = carved.inputs["self"]  # a DLPack producer of TapML's own: torch out
    torch.testing.assert_close(dev.run("aten::exp", table), torch.exp(table.torch()))
    with pytest.raises(tapml.UsageError, match="writes into an input"):
        dev.run("aten::add_.Tensor", x, x)
    with pytest.raises(tapml.UsageError, match="no such aten op"):
        dev.run("aten::no_such_op", x)


def test_a_wrong_token_and_a_server_that_dies(vulkan_server, tmp_path):
    s = vulkan_server
    wrong = tmp_path / "wrong"
    wrong.write_text("not-the-token\n")
    with pytest.raises(tapml.TargetError, match="token"):
        tapml.connect(f"remote://{s.endpoint}/vulkan", token_file=wrong)
    dev = tapml.connect(f"remote://{s.endpoint}/vulkan", token_file=s.token)
    s.stop()
    with pytest.raises(tapml.TapmlError) as raised:
        dev.run("aten::exp", torch.randn(4))
    assert "\n" not in str(raised.value)
