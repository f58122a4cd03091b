"""Conformance tests of the hyperspy-ts kernel, run with Debian's python3-jupyter-kernel-test.

    JUPYTER_PATH=<dir with kernels/hyperspy-ts> KT_CWD=<notebook dir> /usr/bin/python3 -m unittest -v kernel_tests

- HsKernelTests: every test of jupyter_kernel_test.KernelTests (kernel_info, stdout, stderr,
  completion, is_complete, error, execute_result, display_data, history, inspect, clear_output)
  with TypeScript snippets, plus protocol checks (test_proto_*): signatures, the kernel's session
  id, message order, execution counts, silent/store_history, error content and tracebacks, type
  errors, stop_on_error, comm_info, JSON MIME as objects, display updates, top-level await,
  output after idle, interrupts of a compute and of a synchronous loop, progress bars, heartbeat
  during a synchronous cell, survival (rejected promise, huge output), `hs` and completion.
- Interrupts at any point (test_proto_interrupt_*): a sync loop, a loop after an await, computeSync()
  before and after an await, a loop in a timer callback: KeyboardInterrupt within 2 s, earlier
  variables intact. process.exit in a cell, the stream cap (100 MB console.log), aborted replies
  compared with ipykernel's (Debian's python3-ipykernel, same run), `import * as tslab from "tslab"`,
  error lines of timers, promise rejections and worker functions.
- HsLifecycleTests: shutdown and restart replies, restart clears state (own kernel each).
- HsOrphanTests: the kernel exits when its parent dies (JPY_PARENT_PID), also while a cell loops,
  and after the heartbeat's silence when there is no parent to watch.
- HsEmptyKeyTests: a connection file with an empty key switches signing off.

The kernel runs in KT_CWD (default: a fresh temporary directory with no node_modules above it).
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest
from queue import Empty

import jupyter_kernel_test as jkt
from jupyter_client.manager import KernelManager, start_new_kernel
from jupyter_client.session import Session

KERNEL = os.environ.get("KT_KERNEL", "hyperspy-ts")
CWD = os.environ.get("KT_CWD") or tempfile.mkdtemp(prefix="hsts-kt-")
T = 30


def start(**kw):
    return start_new_kernel(kernel_name=KERNEL, cwd=CWD, startup_timeout=60, **kw)


def collect(kc, msg_id, timeout=T):
    """iopub messages of one request, up to its idle status."""
    out = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            m = kc.get_iopub_msg(timeout=max(0.1, deadline - time.time()))
        except Empty:
            break
        if m["parent_header"].get("msg_id") != msg_id:
            continue
        out.append(m)
        if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
            return out
    raise AssertionError(f"no idle for {msg_id} within {timeout}s; got {[m['msg_type'] for m in out]}")


def shell_reply(kc, msg_id, timeout=T):
    deadline = time.time() + timeout
    while time.time() < deadline:
        r = kc.get_shell_msg(timeout=max(0.1, deadline - time.time()))
        if r["parent_header"].get("msg_id") == msg_id:
            return r
    raise AssertionError(f"no reply to {msg_id}")


def run(kc, code, timeout=T, **kw):
    msg_id = kc.execute(code, **kw)
    reply = shell_reply(kc, msg_id, timeout)
    msgs = collect(kc, msg_id, timeout)
    return reply, msgs


def drain(kc):
    for get in (kc.get_shell_msg, kc.get_iopub_msg):
        while True:
            try:
                get(timeout=0.2)
            except Empty:
                break


class HsKernelTests(jkt.KernelTests):
    kernel_name = KERNEL
    language_name = "typescript"
    file_extension = ".ts"

    @classmethod
    def setUpClass(cls):
        cls.km, cls.kc = start()

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("oops, on stderr")'
    completion_samples = [
        {"text": "Math.ab", "matches": {"abs"}},
        {"text": "const zzUniqueName = 1;\nzzUniq", "matches": {"zzUniqueName"}},
    ]
    complete_code_samples = ["1", "const a = 1;", "function f() { return 1; }", "hs.signals"]
    incomplete_code_samples = ["function f() {", "const a = [1,", "if (true) {", "const s = `abc"]
    invalid_code_samples = ["1 +* 2", "let = ;", "const a = );"]
    code_generate_error = 'throw new Error("boom")'
    code_execute_result = [
        {"code": "1 + 2", "result": "3"},
        {"code": '"a" + "b"', "result": "'ab'"},
        {"code": "[1, 2, 3]", "mime": "application/json", "result": [1, 2, 3]},
        {"code": "String(new hs.signals.Signal1D(hs.lazy.zeros([2, 3]).computeSync()))", "result": "'<Signal1D, title: , dimensions: (2|3)>'"},
    ]
    code_display_data = [
        {"code": 'display({"text/html": "<b>hi</b>"}, {raw: true})', "mime": "text/html"},
        {"code": 'display("some text")', "mime": "text/plain"},
    ]
    supported_history_operations = ("tail", "range", "search")
    code_history_pattern = "1 +*"
    code_inspect_sample = "Math.max"
    code_clear_output = "clearOutput()"

    # ------------------------------------------------------------------ protocol checks

    def test_proto_kernel_info_fields(self):
        drain(self.kc)
        msg_id = self.kc.kernel_info()
        r = shell_reply(self.kc, msg_id)
        c = r["content"]
        self.assertEqual(c["status"], "ok")
        self.assertEqual(c["implementation"], "hyperspy-ts")
        li = c["language_info"]
        for k in ("name", "version", "mimetype", "file_extension", "pygments_lexer", "codemirror_mode", "nbconvert_exporter"):
            self.assertIn(k, li)
        self.assertEqual(li["version"], "5.0.4")
        self.assertTrue(c["protocol_version"].startswith("5."))

    def test_proto_kernel_session_id(self):
        drain(self.kc)
        r1 = shell_reply(self.kc, self.kc.kernel_info())
        r2, _ = run(self.kc, "1")
        self.assertNotEqual(r1["header"]["session"], self.kc.session.session)
        self.assertEqual(r1["header"]["session"], r2["header"]["session"])

    def test_proto_order_and_counts(self):
        drain(self.kc)
        msg_id = self.kc.execute("console.log('x'); 40 + 2")
        r = shell_reply(self.kc, msg_id)
        msgs = collect(self.kc, msg_id)
        types = [m["msg_type"] for m in msgs]
        self.assertEqual(types[0], "status")
        self.assertEqual(msgs[0]["content"]["execution_state"], "busy")
        self.assertEqual(types[1], "execute_input")
        self.assertEqual(types[-1], "status")
        self.assertIn("stream", types)
        self.assertLess(types.index("stream"), types.index("execute_result"))
        n = msgs[1]["content"]["execution_count"]
        self.assertEqual(r["content"]["execution_count"], n)
        res = [m for m in msgs if m["msg_type"] == "execute_result"][0]
        self.assertEqual(res["content"]["execution_count"], n)
        self.assertEqual(res["content"]["data"]["text/plain"], "42")
        r2, _ = run(self.kc, "1")
        self.assertEqual(r2["content"]["execution_count"], n + 1)

    def test_proto_silent_and_store_history(self):
        drain(self.kc)
        r0, _ = run(self.kc, "0")
        n = r0["content"]["execution_count"]
        r, msgs = run(self.kc, "console.log('quiet'); 5", silent=True)
        self.assertEqual(r["content"]["status"], "ok")
        self.assertEqual([m["msg_type"] for m in msgs], ["status", "status"])
        r, msgs = run(self.kc, "6", store_history=False)
        self.assertEqual(r["content"]["execution_count"], n)
        self.assertIn("execute_result", [m["msg_type"] for m in msgs])
        r, _ = run(self.kc, "7")
        self.assertEqual(r["content"]["execution_count"], n + 1)

    def test_proto_error_message_content(self):
        drain(self.kc)
        code = "function boom(x: number) {\n  if (x > 1) {\n    throw new RangeError('too big: ' + x);\n  }\n}\nboom(5);"
        r, msgs = run(self.kc, code)
        c = r["content"]
        self.assertEqual(c["status"], "error")
        self.assertEqual(c["ename"], "RangeError")
        self.assertEqual(c["evalue"], "too big: 5")
        self.assertIsInstance(c["execution_count"], int)
        err = [m for m in msgs if m["msg_type"] == "error"]
        self.assertEqual(len(err), 1)
        tb = "\n".join(err[0]["content"]["traceback"])
        self.assertRegex(tb, r"line 3|:3:")  # the throw is on cell line 3
        self.assertRegex(tb, r"line 6|:6:")  # called from cell line 6

    def test_proto_type_error_is_error(self):
        drain(self.kc)
        r, msgs = run(self.kc, "const q: number = 1;\nconst w: number = 'not a number';")
        c = r["content"]
        self.assertEqual(c["status"], "error")
        self.assertEqual(c["ename"], "TSError")
        self.assertIn("not assignable", c["evalue"])
        self.assertIn("2:", "\n".join(c["traceback"]))
        self.assertIn("error", [m["msg_type"] for m in msgs])

    def test_proto_stop_on_error_aborts_queue(self):
        drain(self.kc)
        a = self.kc.execute("await new Promise((r) => setTimeout(r, 500)); throw new Error('first fails')")
        b = self.kc.execute("let abortedRan = 1; abortedRan")
        c = self.kc.execute("2 + 2")
        ra, rb, rc = shell_reply(self.kc, a), shell_reply(self.kc, b), shell_reply(self.kc, c)
        self.assertEqual(ra["content"]["status"], "error")
        for r in (rb, rc):
            # As ipykernel: {"status": "aborted"} and no execution_count ("In [ ]" in the Notebook).
            self.assertEqual(r["content"], {"status": "aborted"})
        # Not a time window: the next request runs.
        r, _ = run(self.kc, "3 + 3")
        self.assertEqual(r["content"]["status"], "ok")
        # stop_on_error=False keeps running what follows.
        a = self.kc.execute("throw new Error('no stop')", stop_on_error=False)
        b = self.kc.execute("4 + 4")
        self.assertEqual(shell_reply(self.kc, a)["content"]["status"], "error")
        self.assertEqual(shell_reply(self.kc, b)["content"]["status"], "ok")

    def test_proto_comm_info(self):
        drain(self.kc)
        msg_id = self.kc.comm_info()
        r = shell_reply(self.kc, msg_id)
        self.assertEqual(r["msg_type"], "comm_info_reply")
        self.assertEqual(r["content"]["comms"], {})

    def test_proto_unknown_comm_open_is_closed(self):
        drain(self.kc)
        msg = self.kc.session.msg("comm_open", {"comm_id": "c1", "target_name": "nope", "data": {}})
        self.kc.shell_channel.send(msg)
        msgs = collect(self.kc, msg["header"]["msg_id"])
        closes = [m for m in msgs if m["msg_type"] == "comm_close"]
        self.assertEqual(len(closes), 1)
        self.assertEqual(closes[0]["content"]["comm_id"], "c1")

    def test_proto_bad_signature_ignored(self):
        drain(self.kc)
        bad = Session(key=b"not-the-key", session=self.kc.session.session)
        msg = bad.msg("kernel_info_request", {})
        bad.send(self.kc.shell_channel.socket, msg)
        with self.assertRaises(Empty):
            self.kc.get_shell_msg(timeout=1.5)
        seen = []
        while True:
            try:
                seen.append(self.kc.get_iopub_msg(timeout=0.3))
            except Empty:
                break
        self.assertEqual([m for m in seen if m["parent_header"].get("msg_id") == msg["header"]["msg_id"]], [])
        self.assertEqual([m for m in seen if m["msg_type"] == "stream"], [])
        r, _ = run(self.kc, "1")
        self.assertEqual(r["content"]["status"], "ok")

    def test_proto_json_mime_is_object(self):
        drain(self.kc)
        _, msgs = run(self.kc, "({a: 1, b: [true, null, 'x']})")
        res = [m for m in msgs if m["msg_type"] == "execute_result"][0]
        self.assertEqual(res["content"]["data"]["application/json"], {"a": 1, "b": [True, None, "x"]})

    def test_proto_update_display_data(self):
        drain(self.kc)
        _, msgs = run(self.kc, 'const hd = display("first", {displayId: "dd1"});\nhd.update("second");')
        d = [m for m in msgs if m["msg_type"] == "display_data"]
        u = [m for m in msgs if m["msg_type"] == "update_display_data"]
        self.assertEqual(d[0]["content"]["transient"]["display_id"], "dd1")
        self.assertEqual(u[0]["content"]["transient"]["display_id"], "dd1")
        self.assertEqual(u[0]["content"]["data"]["text/plain"], "'second'")
        self.assertEqual([m for m in msgs if m["msg_type"] == "execute_result"], [])

    def test_proto_top_level_await(self):
        drain(self.kc)
        r, msgs = run(self.kc, "const v = await new Promise<number>((r) => setTimeout(() => r(7), 50));\nv * 6")
        res = [m for m in msgs if m["msg_type"] == "execute_result"][0]
        self.assertEqual(res["content"]["data"]["text/plain"], "42")

    def test_proto_async_output_after_idle(self):
        drain(self.kc)
        msg_id = self.kc.execute("setTimeout(() => console.log('late output'), 300); 0")
        shell_reply(self.kc, msg_id)
        collect(self.kc, msg_id)
        m = self.kc.get_iopub_msg(timeout=5)
        self.assertEqual(m["msg_type"], "stream")
        self.assertIn("late output", m["content"]["text"])
        self.assertEqual(m["parent_header"]["msg_id"], msg_id)

    def test_proto_interrupt_compute(self):
        drain(self.kc)
        run(self.kc, "const keep = 123;")
        # A lazy compute of many small tasks (about 10 s if not interrupted).
        code = (
            "const big = hs.lazy.ones([4000, 4000], {chunks: [100, 100]});\n"
            "await big.mapBlocks((b) => { const t = Date.now(); while (Date.now() - t < 6) {} return b; }, {dtype: 'float64'}).sum().compute();"
        )
        msg_id = self.kc.execute(code)
        time.sleep(2.0)
        t0 = time.time()
        self.km.interrupt_kernel()
        r = shell_reply(self.kc, msg_id, timeout=20)
        self.assertLess(time.time() - t0, 10)
        self.assertEqual(r["content"]["status"], "error")
        self.assertEqual(r["content"]["ename"], "KeyboardInterrupt")
        collect(self.kc, msg_id)
        r, msgs = run(self.kc, "keep + 1")
        self.assertEqual([m for m in msgs if m["msg_type"] == "execute_result"][0]["content"]["data"]["text/plain"], "124")

    def test_proto_sigint_cancels_compute(self):
        """The "signal" interrupt path (a client or a user sending SIGINT) takes the same route."""
        import signal
        drain(self.kc)
        code = (
            "await hs.lazy.ones([2000, 2000], {chunks: [100, 100]})"
            ".mapBlocks((b) => { const t = Date.now(); while (Date.now() - t < 10) {} return b; }, {dtype: 'float64'}).sum().compute();"
        )
        msg_id = self.kc.execute(code)
        time.sleep(1.5)
        self.km.signal_kernel(signal.SIGINT)
        r = shell_reply(self.kc, msg_id, timeout=20)
        self.assertEqual(r["content"]["ename"], "KeyboardInterrupt")
        collect(self.kc, msg_id)
        r, _ = run(self.kc, "'alive'")
        self.assertEqual(r["content"]["status"], "ok")

    def test_proto_interrupt_sync_loop_and_heartbeat(self):
        drain(self.kc)
        msg_id = self.kc.execute("while (true) {}")
        time.sleep(1.5)
        self.assertTrue(self.kc.hb_channel.is_beating())
        self.km.interrupt_kernel()
        r = shell_reply(self.kc, msg_id, timeout=20)
        self.assertEqual(r["content"]["ename"], "KeyboardInterrupt")
        collect(self.kc, msg_id)
        r, _ = run(self.kc, "'alive'")
        self.assertEqual(r["content"]["status"], "ok")

    def test_proto_progress_bar(self):
        drain(self.kc)
        code = (
            "const pb = hs.lazy.ones([64, 100], {chunks: [1, 100]}).mapBlocks((b) => { const t = Date.now(); while (Date.now() - t < 30) {} return b; }, {dtype: 'float64'});\n"
            "(await pb.sum().compute()).get()"
        )
        r, msgs = run(self.kc, code)
        self.assertEqual(r["content"]["status"], "ok")
        d = [m for m in msgs if m["msg_type"] == "display_data"]
        u = [m for m in msgs if m["msg_type"] == "update_display_data"]
        self.assertEqual(len(d), 1)
        pid = d[0]["content"]["transient"]["display_id"]
        self.assertTrue(u)
        self.assertTrue(all(m["content"]["transient"]["display_id"] == pid for m in u))
        self.assertIn("Completed", u[-1]["content"]["data"]["text/plain"])
        self.assertIn("100%", u[-1]["content"]["data"]["text/plain"])
        res = [m for m in msgs if m["msg_type"] == "execute_result"][0]
        self.assertEqual(res["content"]["data"]["text/plain"], "6400")

    def test_proto_survives_rejected_promise(self):
        drain(self.kc)
        msg_id = self.kc.execute("Promise.reject(new Error('nobody catches me')); 1")
        self.assertEqual(shell_reply(self.kc, msg_id)["content"]["status"], "ok")
        collect(self.kc, msg_id)
        time.sleep(0.5)
        r, _ = run(self.kc, "2")
        self.assertEqual(r["content"]["status"], "ok")

    def test_proto_survives_huge_output(self):
        drain(self.kc)
        r, msgs = run(self.kc, "for (let i = 0; i < 200000; i++) console.log('line ' + i);\nconsole.log('x'.repeat(20_000_000));", timeout=120)
        self.assertEqual(r["content"]["status"], "ok")
        streams = [m for m in msgs if m["msg_type"] == "stream"]
        self.assertLess(len(streams), 2000)  # coalesced, not one message per line
        text = "".join(m["content"]["text"] for m in streams)
        # Capped at 1 MiB a cell, cut at a line end; the rest, whole, in the file the notice names.
        shown, notice = text.split("\n[hyperspy-ts kernel: this cell's output reached 1.0 MiB", 1)
        self.assertTrue(shown.startswith("line 0\nline 1\n"))
        self.assertRegex(shown, r"\nline \d+\n\Z")
        self.assertIn("lines) not shown: in ", notice)
        path = notice.split("not shown: in ")[1].split("]")[0]
        with open(path) as f:
            rest = f.read()
        self.assertEqual(shown + rest, "".join(f"line {i}\n" for i in range(200000)) + "x" * 20_000_000 + "\n")
        r, _ = run(self.kc, "'still here'")
        self.assertEqual(r["content"]["status"], "ok")

    def test_proto_hs_typed_and_completion(self):
        drain(self.kc)
        r, _ = run(self.kc, "const sgl: hs.signals.Signal1D = new hs.signals.Signal1D(hs.lazy.zeros([4, 8]).computeSync());\nsgl.axesManager.navigationShape")
        self.assertEqual(r["content"]["status"], "ok")
        r, _ = run(self.kc, "sgl.noSuchMethod()")
        self.assertEqual(r["content"]["ename"], "TSError")
        self.assertIn("noSuchMethod", r["content"]["evalue"])
        msg_id = self.kc.complete("hs.sig", 6)
        c = shell_reply(self.kc, msg_id)["content"]
        self.assertIn("signals", c["matches"])
        self.assertEqual((c["cursor_start"], c["cursor_end"]), (3, 6))
        # Cursor positions are code points: an emoji before the cursor counts as one.
        code = "const e = '😀'; Math.ma"
        msg_id = self.kc.complete(code, len(code))
        c = shell_reply(self.kc, msg_id)["content"]
        self.assertIn("max", c["matches"])
        self.assertEqual(c["cursor_end"], len(code))
        self.assertEqual(c["cursor_start"], len(code) - 2)

    # ------------------------------------------------------------------ a kernel to live in all day

    def interrupt_cell(self, code, wait=1.0):
        """Run `code`, interrupt it after `wait` s; the reply and the seconds from interrupt to reply."""
        drain(self.kc)
        msg_id = self.kc.execute(code)
        time.sleep(wait)
        t0 = time.time()
        self.km.interrupt_kernel()
        r = shell_reply(self.kc, msg_id, timeout=20)
        dt = time.time() - t0
        collect(self.kc, msg_id)
        return r, dt

    def assert_interrupted_and_alive(self, code, wait=1.0):
        run(self.kc, "const before_" + str(abs(hash(code)) % 100000) + " = 'kept';")
        r, dt = self.interrupt_cell(code, wait)
        self.assertEqual(r["content"]["status"], "error", r["content"])
        self.assertEqual(r["content"]["ename"], "KeyboardInterrupt")
        self.assertLess(dt, 2.0)
        r, msgs = run(self.kc, "before_" + str(abs(hash(code)) % 100000))
        self.assertEqual([m for m in msgs if m["msg_type"] == "execute_result"][0]["content"]["data"]["text/plain"], "'kept'")
        return dt

    def test_proto_interrupt_loop_after_await(self):
        self.assert_interrupted_and_alive("await new Promise((r) => setTimeout(r, 100));\nwhile (true) {}")

    def test_proto_interrupt_sync_loop_quick(self):
        self.assert_interrupted_and_alive("let spin = 0;\nwhile (true) { spin++; }")

    SLOW_SYNC = "hs.lazy.ones([4000, 400], {chunks: [4, 400]}).mapBlocks((b) => { const t = Date.now(); while (Date.now() - t < 5) {} return b; }, {dtype: 'float64'}).sum().computeSync()"

    def test_proto_interrupt_compute_sync(self):
        self.assert_interrupted_and_alive(self.SLOW_SYNC)

    def test_proto_interrupt_compute_sync_after_await(self):
        self.assert_interrupted_and_alive("const sAfter = await Promise.resolve(1);\n" + self.SLOW_SYNC)

    def test_proto_interrupt_timer_loop(self):
        """A loop in a timer callback of a cell that awaits: both stop, the kernel lives."""
        self.assert_interrupted_and_alive("setTimeout(() => { while (true) {} }, 10);\nawait new Promise((r) => setTimeout(r, 100000));")

    def test_proto_process_exit_keeps_kernel(self):
        drain(self.kc)
        run(self.kc, "const beforeExit = 5;")
        for code in ("process.exit(1)", "process.exit()", "process.abort()"):
            r, msgs = run(self.kc, code)
            self.assertEqual(r["content"]["status"], "error")
            self.assertEqual(r["content"]["ename"], "ProcessExit")
            self.assertIn("Restart", r["content"]["evalue"])
        self.assertTrue(self.km.is_alive())
        r, msgs = run(self.kc, "beforeExit + 1")
        self.assertEqual([m for m in msgs if m["msg_type"] == "execute_result"][0]["content"]["data"]["text/plain"], "6")

    def test_proto_stream_cap(self):
        drain(self.kc)
        r, msgs = run(self.kc, "console.log('x'.repeat(100_000_000));\nconsole.log('tail line');", timeout=120)
        self.assertEqual(r["content"]["status"], "ok")
        streams = [m for m in msgs if m["msg_type"] == "stream"]
        text = "".join(m["content"]["text"] for m in streams)
        sent = sum(len(json.dumps(m["content"])) for m in streams)
        self.assertLess(sent, 2_000_000)
        self.assertGreaterEqual(text.count("x"), 1_000_000)
        self.assertIn("reached 1.0 MiB", text)
        self.assertIn("94.4 MiB of stdout (2 lines) not shown", text)
        path = text.split("not shown: in ")[1].split("]")[0]
        self.assertEqual(os.path.getsize(path), 100_000_001 - (1 << 20) + len("tail line\n"))
        with open(path, "rb") as f:
            f.seek(-10, 2)
            self.assertEqual(f.read(), b"tail line\n")
        # The next cell has its own budget.
        r, msgs = run(self.kc, "console.log('small')")
        self.assertEqual("".join(m["content"]["text"] for m in msgs if m["msg_type"] == "stream"), "small\n")

    def test_proto_aborted_like_ipykernel(self):
        """The replies and iopub messages of cells aborted after an error, ours beside ipykernel's."""
        def aborted_of(kc, fail_code):
            drain(kc)
            a = kc.execute(fail_code)
            b = kc.execute("1")
            shell_reply(kc, a)
            rb = shell_reply(kc, b)
            msgs = collect(kc, b)
            return rb, [(m["msg_type"], m["content"].get("execution_state")) for m in msgs]
        ours, ours_io = aborted_of(self.kc, "await new Promise((r) => setTimeout(r, 300)); throw new Error('x')")
        ikm, ikc = start_new_kernel(kernel_name="python3", startup_timeout=60)
        try:
            theirs, theirs_io = aborted_of(ikc, "import time; time.sleep(0.3); raise ValueError('x')")
        finally:
            ikc.stop_channels()
            ikm.shutdown_kernel(now=True)
        self.assertEqual(ours["content"], theirs["content"])
        self.assertEqual(ours["content"], {"status": "aborted"})
        self.assertEqual(ours["metadata"]["status"], theirs["metadata"]["status"])
        self.assertEqual(ours_io, theirs_io)

    def test_proto_tslab_import(self):
        drain(self.kc)
        code = ('import * as tslab from "tslab";\ntslab.display.html("<b>hi</b>");\ntslab.display.png(new Uint8Array([137, 80, 78, 71]));\n'
                'const td = tslab.newDisplay();\ntd.markdown("first");\ntd.markdown("second");\ntslab.versions.tslab')
        r, msgs = run(self.kc, code)
        self.assertEqual(r["content"]["status"], "ok", r["content"])
        d = [m for m in msgs if m["msg_type"] == "display_data"]
        u = [m for m in msgs if m["msg_type"] == "update_display_data"]
        self.assertEqual(d[0]["content"]["data"]["text/html"], "<b>hi</b>")
        self.assertEqual(d[1]["content"]["data"]["image/png"], "iVBORw==")
        self.assertEqual(d[2]["content"]["data"]["text/markdown"], "first")
        self.assertEqual(u[0]["content"]["data"]["text/markdown"], "second")
        self.assertEqual(u[0]["content"]["transient"]["display_id"], d[2]["content"]["transient"]["display_id"])
        res = [m for m in msgs if m["msg_type"] == "execute_result"][0]
        self.assertEqual(res["content"]["data"]["text/plain"], "'1.0.22'")
        r, _ = run(self.kc, "tslab.display.html(42)")
        self.assertEqual(r["content"]["ename"], "TSError")  # typed as tslab's own public.d.ts

    def late_stderr(self, code, wait=1.0):
        drain(self.kc)
        msg_id = self.kc.execute(code)
        shell_reply(self.kc, msg_id)
        text = ""
        deadline = time.time() + wait + 5
        while time.time() < deadline:
            try:
                m = self.kc.get_iopub_msg(timeout=0.5)
            except Empty:
                if text:
                    break
                continue
            if m["msg_type"] == "stream" and m["parent_header"].get("msg_id") == msg_id:
                text += m["content"]["text"]
        return text, msg_id

    def test_proto_async_error_lines(self):
        import re
        plain = lambda t: re.sub(r"\x1b\[[0-9;]*m", "", t)
        text, _ = self.late_stderr("function late(x: number) {\n  if (x > 2) throw new RangeError('late ' + x);\n}\nsetTimeout(() => late(5), 10);\n0")
        t = plain(text)
        self.assertIn("Uncaught exception: RangeError: late 5", t)
        self.assertRegex(t, r"at late \(cell\[\d+\]:2:")
        self.assertRegex(t, r"cell\[\d+\]:4:")
        self.assertNotIn("node:", t)
        self.assertNotIn("evalmachine", t)
        self.assertNotIn("kernel/", t)
        text, _ = self.late_stderr("const never = 1;\n\nPromise.reject(new TypeError('nobody'));\n0")
        t = plain(text)
        self.assertIn("Unhandled promise rejection: TypeError: nobody", t)
        self.assertRegex(t, r"cell\[\d+\]:3:")
        self.assertNotIn("node:", t)

    def test_proto_worker_error_line(self):
        import re
        drain(self.kc)
        code = ("const wl = hs.lazy.ones([4, 4], {chunks: [2, 2]});\n"
                "await wl.mapBlocks((b) => {\n"
                "  if (b.size > 0) throw new Error('in a worker');\n"
                "  return b;\n"
                "}, {dtype: 'float64', portable: true}).compute({scheduler: 'threads'});")
        r, msgs = run(self.kc, code)
        self.assertEqual(r["content"]["status"], "error")
        tb = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(r["content"]["traceback"]))
        self.assertIn("in a worker", tb)
        self.assertRegex(tb, r"cell\[\d+\]:3:")
        self.assertNotIn("userfn", tb)


class HsLifecycleTests(unittest.TestCase):
    def test_shutdown(self):
        km, kc = start()
        try:
            msg_id = kc.shutdown()
            r = kc.get_control_msg(timeout=10)
            self.assertEqual(r["parent_header"]["msg_id"], msg_id)
            self.assertEqual(r["msg_type"], "shutdown_reply")
            self.assertEqual(r["content"], {"status": "ok", "restart": False})
            deadline = time.time() + 10
            while km.is_alive() and time.time() < deadline:
                time.sleep(0.1)
            self.assertFalse(km.is_alive())
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)

    def test_shutdown_reply_restart_echo(self):
        km, kc = start()
        try:
            session = Session(key=km.session.key, signature_scheme=km.session.signature_scheme)
            sock = km.connect_control()
            msg = session.msg("shutdown_request", {"restart": True})
            session.send(sock, msg)
            if not sock.poll(10000):
                self.fail("no shutdown_reply")
            _, reply = session.recv(sock)
            self.assertEqual(reply["msg_type"], "shutdown_reply")
            self.assertEqual(reply["content"], {"status": "ok", "restart": True})
            sock.close()
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)

    def test_restart_clears_state(self):
        km, kc = start()
        try:
            r, _ = run(kc, "const survivor = 5; survivor")
            s1 = r["header"]["session"]
            kc.stop_channels()
            km.restart_kernel(now=False)
            kc = km.client()
            kc.start_channels()
            kc.wait_for_ready(timeout=60)
            r, _ = run(kc, "survivor")
            self.assertEqual(r["content"]["status"], "error")
            self.assertNotEqual(r["header"]["session"], s1)
            r, msgs = run(kc, "typeof hs.signals.Signal1D")
            self.assertEqual([m for m in msgs if m["msg_type"] == "execute_result"][0]["content"]["data"]["text/plain"], "'function'")
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)


def process_gone(pid):
    """True when `pid` has exited (gone, or a zombie nobody reaped yet)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def wait_gone(pid, timeout):
    t0 = time.time()
    while time.time() - t0 < timeout:
        if process_gone(pid):
            return time.time() - t0
        time.sleep(0.1)
    return None


PARENT = r"""
import sys, time
from jupyter_client.manager import KernelManager
km = KernelManager(kernel_name=sys.argv[1])
km.start_kernel(cwd=sys.argv[2])
kc = km.client(); kc.start_channels(); kc.wait_for_ready(timeout=60)
if sys.argv[3]:
    kc.execute(sys.argv[3]); time.sleep(1.0)
print(km.provisioner.process.pid, flush=True)
time.sleep(600)
"""


class HsOrphanTests(unittest.TestCase):
    def orphan(self, busy_code=""):
        """Start the kernel from a parent process, kill the parent (SIGKILL), return the kernel's pid."""
        p = subprocess.Popen([sys.executable, "-c", PARENT, KERNEL, CWD, busy_code], stdout=subprocess.PIPE)
        try:
            pid = int(p.stdout.readline())
        finally:
            p.kill()
            p.wait()
            p.stdout.close()
        return pid

    def test_parent_death_exits(self):
        pid = self.orphan()
        dt = wait_gone(pid, 10)
        if dt is None:
            os.kill(pid, signal.SIGKILL)
        self.assertIsNotNone(dt, "the kernel outlived its parent by 10 s")

    def test_parent_death_exits_while_a_cell_loops(self):
        pid = self.orphan("while (true) {}")
        dt = wait_gone(pid, 10)
        if dt is None:
            os.kill(pid, signal.SIGKILL)
        self.assertIsNotNone(dt, "the kernel, busy in a loop, outlived its parent by 10 s")

    def test_heartbeat_silence_exits(self):
        """No JPY_PARENT_PID: the kernel exits once the heartbeat has been silent for the timeout."""
        from jupyter_client import BlockingKernelClient
        from jupyter_client.connect import write_connection_file
        from jupyter_client.kernelspec import KernelSpecManager
        fname, info = write_connection_file(tempfile.mktemp(suffix=".json"), ip="127.0.0.1", key=b"k")
        argv = [a.replace("{connection_file}", fname) for a in KernelSpecManager().get_kernel_spec(KERNEL).argv]
        env = {k: v for k, v in os.environ.items() if k != "JPY_PARENT_PID"}
        env["HYPERSPY_TS_KERNEL_HEARTBEAT_TIMEOUT"] = "3"
        k = subprocess.Popen(argv, cwd=CWD, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        kc = BlockingKernelClient(connection_file=fname)
        kc.load_connection_file()
        kc.start_channels()
        try:
            deadline = time.time() + 60
            while True:  # wait_for_ready needs a KernelManager; ask kernel_info until it answers
                self.assertIsNone(k.poll(), "the kernel died at start")
                kc.kernel_info()
                try:
                    if kc.get_shell_msg(timeout=1)["msg_type"] == "kernel_info_reply":
                        break
                except Empty:
                    self.assertLess(time.time(), deadline, "no kernel_info reply")
            # While the heartbeat is pinged (jupyter_client pings every second), the kernel stays.
            t0 = time.time()
            while time.time() - t0 < 5:
                time.sleep(0.5)
                self.assertIsNone(k.poll(), "the kernel exited while its heartbeat was pinged")
            self.assertTrue(kc.hb_channel.is_beating())
            kc.stop_channels()
            t0 = time.time()
            k.wait(timeout=10)
            self.assertLess(time.time() - t0, 8)
        finally:
            kc.stop_channels()
            if k.poll() is None:
                k.kill()
                k.wait()


class HsEmptyKeyTests(unittest.TestCase):
    def test_empty_key_kernel_info(self):
        km = KernelManager(kernel_name=KERNEL)
        km.session.key = b""
        km.start_kernel(cwd=CWD)
        kc = km.client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=60)
            r, msgs = run(kc, "1 + 1")
            self.assertEqual(r["content"]["status"], "ok")
            self.assertEqual(r["header"].get("session") is not None, True)
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)


if __name__ == "__main__":
    unittest.main()
