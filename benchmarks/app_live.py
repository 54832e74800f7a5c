"""The web app live, measured in headless Chromium (App I targets).

    python benchmarks/app_live.py                 # 1 minute of running
    python benchmarks/app_live.py --minutes 10    # the flat-memory check
    python benchmarks/app_live.py --neurons 2000 --dt 0.5 --screenshot /tmp/live.png

The targets (issue "App I"): a 1,000-neuron Izhikevich network runs at >= 1x
real time while its raster streams at >= 10 updates/s to the browser; a
button click answers within 200 ms during a run; memory stays flat over a
10-minute run (rollover).

What it does:

1. writes a workspace file holding Izhikevich's (2003) pulse-coupled network
   (80 % excitatory; per-neuron a, b, c, d drawn as in the paper, thalamic
   noise 5 / 2, all-to-all weights 0.5 U(0,1) / U(0,1), dt 1 ms: the
   network of ``benchmarks/peers/izhikevich_*.py``);
2. serves the app as users do (``python -m workbench.serve --port <free>``),
   waits on ``/liveness``;
3. in Chromium: opens the page, uploads the workspace with the header's file
   input, Run tab -> "Build & compile" -> waits for "compiled" -> "Run";
4. while it runs, the page itself logs (``Bokeh.documents[0].on_change``,
   timestamps from ``performance.now()``) every stream into the raster's
   source, every clock text ("t = ... ms  N.NNx real time") and the status
   and button states; a capture-phase click listener timestamps clicks;
5. every ``--probe-every`` seconds it clicks the parameter card's Set button
   (answered when its message appears), Pause (the status says "paused" and
   Run is enabled) and Run ("running", Pause enabled), and times each from
   the click event to the model change in the page, and to the next
   animation frame after it (not answered within 30 s: unanswered); at the
   end Stop, whose answer also tells how far behind the run the page was;
6. a thread samples every ``--sample-every`` seconds the server's resident
   memory and CPU (main thread = Tornado's event loop, where the periodic
   callback and the serialisation run; the other threads = the simulation)
   and the Chromium processes' (renderer, and the others: GPU, network); the
   main loop asks the page for its JS heap and main-thread busy time (CDP
   ``Runtime.getHeapUsage``, ``Performance.getMetrics``), the points its
   raster holds, and the time spent applying the server's messages;
7. prints a table (measure | value | target | met?), the memory samples
   (start, middle, end, least-squares slopes) and the CPU shares, then stops
   the server and the browser (also on error, Ctrl-C or SIGTERM).

The real-time factor is the server's own figure (the "N.NNx" of the page's
clock, median); next to it, the simulated time the page shows per wall
second, counted within running segments from the clock texts: lower means
the page falls behind the run. Updates per second: streams received into the
raster's busiest source (one per population) per second of running, in
1-second bins (3 s after each Run left out). ``--source DIR`` serves another
checkout (a ``git archive`` of a commit, a patched copy) with this script.

Never downloads a browser: it uses Debian's ``/usr/bin/chromium``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from workbench.serve import free_port, stop_process, wait_http

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
MAX_DURATION_MS = 3_600_000.0          # RunSession's bound on one Run

#: s a click may take to be answered before it counts as unanswered
PROBE_TIMEOUT = 30.0
#: the same for the final Stop (it measures how far behind the page is)
STOP_TIMEOUT = 180.0

# targets of the issue
TARGET_RTF = 1.0
TARGET_UPDATES = 10.0
TARGET_CLICK_MS = 200.0


# -- the network ---------------------------------------------------------------------

def izhikevich_workspace(n: int = 1000, dt: float = 1.0, seed: int = 42,
                         duration: float = MAX_DURATION_MS) -> dict:
    """Izhikevich (2003) as a workspace file (format of workbench/ui/workspace.py)."""
    ne = int(round(0.8 * n))
    ni = n - ne
    rng = np.random.default_rng(seed)
    re_, ri = rng.random(ne), rng.random(ni)
    b_inh = 0.25 - 0.05 * ri

    def r(x):
        return [round(float(v), 8) for v in x]

    exc = {"name": "exc", "model": "Izhikevich", "size": ne,
           "values": {"a": 0.02, "b": 0.2, "c": r(-65.0 + 15.0 * re_**2),
                      "d": r(8.0 - 6.0 * re_**2), "noise": 5.0, "v": -65.0, "u": -13.0}}
    inh = {"name": "inh", "model": "Izhikevich", "size": ni,
           "values": {"a": r(0.02 + 0.08 * ri), "b": r(b_inh), "c": -65.0, "d": 2.0,
                      "noise": 2.0, "v": -65.0, "u": r(-65.0 * b_inh)}}
    projections = [
        {"name": pre[0] + post[0], "pre": pre, "post": post, "target": target,
         "synapse": None, "connector": "all_to_all",
         "params": {"allow_self_connections": pre == post}, "weights": weights, "delays": 0.0}
        for pre, target, weights in (("exc", "exc", "Uniform(0.0, 0.5)"),
                                     ("inh", "inh", "Uniform(0.0, 1.0)"))
        for post in ("exc", "inh")]
    return {"format": "neuroworkbench.workspace/1", "models": {},
            "network": {"dt": dt, "seed": seed, "populations": [exc, inh], "inputs": [],
                        "projections": projections},
            "run": {"duration": duration, "chunk": 50.0, "record": {}}}


# -- the server ----------------------------------------------------------------------





def start_server(port: int, log_path: Path, source: Path = ROOT):
    """``python -m workbench.serve`` of the checkout ``source`` (its workbench,
    apps and engine are imported first), output to ``log_path``."""
    env = {**os.environ, "NUMBA_THREADING_LAYER": "workqueue", "OMP_WAIT_POLICY": "passive",
           "PYTHONPATH": os.pathsep.join([str(source)] + [p for p in os.environ.get(
               "PYTHONPATH", "").split(os.pathsep) if p])}
    out = open(log_path, "w")
    proc = subprocess.Popen([sys.executable, "-m", "workbench.serve", "--port", str(port)],
                            cwd=source, stdout=out, stderr=subprocess.STDOUT, env=env,
                            start_new_session=True)
    out.close()
    return proc


# -- process measurements -------------------------------------------------------------

try:
    import psutil
except ImportError:               # pragma: no cover - psutil is in the dev environment
    psutil = None


def rss_mb(pid: int) -> float:
    if psutil is not None:
        try:
            return psutil.Process(pid).memory_info().rss / 2**20
        except psutil.Error:
            return float("nan")
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def thread_cpu(pid: int) -> tuple[float, float]:
    """CPU seconds of the process's main thread (Tornado's event loop) and of
    all its other threads (the simulation's worker, Numba's pool)."""
    if psutil is None:
        return float("nan"), float("nan")
    try:
        proc = psutil.Process(pid)
        main = sum(t.user_time + t.system_time for t in proc.threads() if t.id == pid)
        total = proc.cpu_times()           # includes the threads that ended (each Run's worker)
        return main, total.user + total.system - main
    except psutil.Error:
        return float("nan"), float("nan")


def chromium_processes():
    """(renderers, others): our Chromium's processes (descendants of this one)."""
    if psutil is None:
        return [], []
    renderers, others = [], []
    for p in psutil.Process().children(recursive=True):
        try:
            cmd = p.cmdline()
        except psutil.Error:
            continue
        if not cmd or "chrom" not in os.path.basename(cmd[0]):
            continue
        (renderers if "--type=renderer" in cmd else others).append(p)
    return renderers, others


def procs_rss_cpu(procs) -> tuple[float, float]:
    rss = cpu = 0.0
    for p in procs:
        try:
            rss += p.memory_info().rss / 2**20
            c = p.cpu_times()
            cpu += c.user + c.system
        except psutil.Error:
            pass
    return rss, cpu


# -- the page's own instruments ---------------------------------------------------------

HOOKS = r"""() => {
  const doc = Bokeh.documents[0];
  const models = [...doc.all_models];
  const isButton = (m) => String(m.type || '').endsWith('.Button');
  const button = (label) => models.find((m) => isButton(m) && m.label === label);
  const W = window.__live = {
    streams: [], clock: [], status: [], texts: [], tags: [], events: 0, frames: 0,
    longtasks: [], probe: null, probes: [], paint_after_stream: [],
    run: button('Run'), pause: button('Pause'), stop: button('Stop'), set: button('Set'),
    statusModel: models.find((m) => typeof m.text === 'string' && m.text.includes('compiled')),
    // the raster's sources: one 'raster_source', or one 'raster_<population>' each
    rasters: models.filter((m) => String(m.type || '').endsWith('ColumnDataSource') &&
                                  typeof m.name === 'string' && m.name.startsWith('raster_')),
    patches: 0, patch_ms: 0,
  };
  W.held = () => W.rasters.reduce((n, m) => n + m.data.t.length, 0);
  if (!W.run || !W.pause || !W.set || !W.statusModel || !W.rasters.length)
    return 'missing: ' + ['run', 'pause', 'set', 'statusModel'].filter((k) => !W[k]).join(', ') +
      (W.rasters.length ? '' : ' raster sources');
  // time spent applying the server's messages (not the drawing that follows)
  const apply = doc.apply_json_patch.bind(doc);
  doc.apply_json_patch = (patch, buffers) => {
    const a = performance.now();
    try { return apply(patch, buffers); }
    finally { W.patches++; W.patch_ms += performance.now() - a; }
  };
  const colLength = (data, name) => {
    const c = data instanceof Map ? data.get(name) : data[name];
    return c == null ? 0 : c.length;
  };
  const clockRe = /t = ([\d,.]+) ms[\s\S]*?([\d.]+)x real time/;
  const check = (now) => {
    const p = W.probe;
    if (p && p.t0 !== null && p.done === null && p.pred()) {
      p.done = now;
      requestAnimationFrame(() => { p.paint = performance.now(); });
    }
  };
  doc.on_change((e) => {
    const now = performance.now();
    W.events++;
    if (e.kind === 'ColumnsStreamed' && W.rasters.includes(e.model)) {
      W.streams.push([now, colLength(e.data, 't'), W.rasters.indexOf(e.model)]);
      requestAnimationFrame(() => W.paint_after_stream.push(performance.now() - now));
    } else if (e.kind === 'ModelChanged' && e.attr === 'tags') {
      W.tags.push([now, String(e.model.name), e.sync === false ? 'in' : 'out']);
    } else if (e.kind === 'ModelChanged' && e.attr === 'text' && typeof e.value === 'string') {
      const m = e.value.match(clockRe);
      if (m) W.clock.push([now, parseFloat(m[1].replace(/,/g, '')), parseFloat(m[2])]);
      else if (e.model === W.statusModel) W.status.push([now, e.value.slice(0, 400)]);
      else if (e.value.length) W.texts.push([now, e.value.slice(0, 120)]);
    }
    check(now);
  }, false);
  document.addEventListener('click', () => {
    const p = W.probe;
    if (p && p.t0 === null) p.t0 = performance.now();
  }, true);
  const tick = () => { W.frames++; requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  try {
    new PerformanceObserver((list) => {
      for (const en of list.getEntries()) W.longtasks.push([en.startTime, en.duration]);
    }).observe({type: 'longtask', buffered: false});
  } catch (err) { W.no_longtasks = String(err); }
  W.statusText = () => W.statusModel.text;
  // a button is offered when enabled and not styled off (run_view._offer)
  W.offered = (b) => !b.disabled && !(b.css_classes || []).includes('nwb-off');
  W.arm = (kind, token) => {
    const txt = () => W.statusModel.text;
    const preds = {
      pause: () => txt().includes('paused at') && W.offered(W.run),
      run: () => txt().includes('running to') && W.offered(W.pause),
      set: () => models.some((m) => typeof m.text === 'string' && m.text.includes(token)),
      stop: () => txt().includes('stopped at') && W.offered(W.run),
    };
    W.probe = {kind, token, t0: null, done: null, paint: null, pred: preds[kind]};
    return true;
  };
  W.result = () => {
    const p = W.probe;
    if (!p) return null;
    if (p.done === null && p.t0 !== null && p.pred()) {
      p.done = performance.now();
      requestAnimationFrame(() => { p.paint = performance.now(); });
    }
    return {kind: p.kind, t0: p.t0, done: p.done, paint: p.paint};
  };
  return 'ok';
}"""


# -- the benchmark ----------------------------------------------------------------------

class Live:
    def __init__(self, args, workdir: Path):
        self.args = args
        self.workdir = workdir
        self.proc = None
        self.port = args.port or free_port()
        self.log = workdir / "serve.log"
        self.samples: list[dict] = []          # processes (sampler thread)
        self.page_samples: list[dict] = []     # the page (main loop)
        self.probes: list[dict] = []
        self.ws_bytes = 0
        self.ws_frames = 0
        self.notes: list[str] = []

    # the server
    def serve(self):
        self.proc = start_server(self.port, self.log, Path(self.args.source or ROOT))
        wait_http(f"http://127.0.0.1:{self.port}/liveness", self.proc, timeout=120.0)
        return f"http://127.0.0.1:{self.port}/workbench"

    # one memory / CPU sample
    def sample_processes(self, t0: float) -> dict:
        """Memory and CPU of the server and of Chromium (any thread)."""
        renderers, others = chromium_processes()
        r_rss, r_cpu = procs_rss_cpu(renderers)
        _, o_cpu = procs_rss_cpu(others)
        main, other = thread_cpu(self.proc.pid)
        s = {"t": time.monotonic() - t0, "server_rss": rss_mb(self.proc.pid),
             "server_main_cpu": main, "server_other_cpu": other,
             "renderer_rss": r_rss, "renderer_cpu": r_cpu, "chromium_other_cpu": o_cpu,
             "load1": os.getloadavg()[0]}
        self.samples.append(s)
        return s

    def sampler(self, t0: float, stop: threading.Event) -> threading.Thread:
        """A thread sampling the processes every --sample-every s (the page
        may be too busy to answer on time; this does not wait for it)."""
        def loop():
            while not stop.is_set():
                self.sample_processes(t0)
                stop.wait(self.args.sample_every)
        th = threading.Thread(target=loop, name="app_live-sampler", daemon=True)
        th.start()
        return th

    def sample_page(self, page, cdp, t0: float) -> dict:
        """The page's heap, main-thread time and held points (asks the page)."""
        heap = cdp.send("Runtime.getHeapUsage")
        metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
        info = page.evaluate("() => ({held: window.__live.held(), patches: window.__live.patches,"
                             " patch_ms: window.__live.patch_ms})")
        s = {"t": time.monotonic() - t0,
             "js_heap": heap["usedSize"] / 2**20, "js_heap_total": heap["totalSize"] / 2**20,
             "task_s": metrics.get("TaskDuration", float("nan")),
             "script_s": metrics.get("ScriptDuration", float("nan")),
             "layout_s": metrics.get("LayoutDuration", float("nan")) +
             metrics.get("RecalcStyleDuration", float("nan")),
             "raster_points": info["held"], "patches": info["patches"],
             "patch_ms": info["patch_ms"], "ws_bytes": self.ws_bytes,
             "ws_frames": self.ws_frames}
        self.page_samples.append(s)
        return s

    # one click, timed in the page
    def probe(self, page, kind: str, locator, token: str = "", before=None,
              timeout: float = 0.0) -> dict:
        """Click ``locator`` and time the answer in the page (click event ->
        the model change the ``kind`` predicate waits for, and -> the next
        frame). No answer within ``timeout`` (default PROBE_TIMEOUT) s:
        ``click_ms`` is inf."""
        from playwright.sync_api import Error as PlaywrightError

        timeout = timeout or PROBE_TIMEOUT
        page.evaluate("([k, tok]) => window.__live.arm(k, tok)", [kind, token])
        if before is not None:
            before()
        out = {"kind": kind, "click_ms": float("nan"), "paint_ms": float("nan"),
               "at": time.monotonic()}
        try:               # waits until the button is enabled (an earlier answer is late)
            locator.click(timeout=timeout * 1000)
        except PlaywrightError:
            out["error"] = f"{kind}: not clickable within {timeout:g} s"
            self.probes.append(out)
            return out
        wall = time.monotonic()
        res = None
        while time.monotonic() - wall < timeout:
            res = page.evaluate("() => window.__live.result()")
            if res and res["done"] is not None and res["paint"] is not None:
                break
            time.sleep(0.02)
        if res and res["t0"] is not None and res["done"] is not None:
            out["click_ms"] = res["done"] - res["t0"]
            if res["paint"] is not None:
                out["paint_ms"] = res["paint"] - res["t0"]
        elif res and res["t0"] is not None:
            out["click_ms"] = out["paint_ms"] = float("inf")     # no answer in time
        self.probes.append(out)
        return out

    def run(self) -> dict:
        from playwright.sync_api import sync_playwright

        args = self.args
        ws_path = self.workdir / "izhikevich_live.json"
        ws_path.write_text(json.dumps(izhikevich_workspace(args.neurons, args.dt, args.seed)))
        url = self.serve()
        print(f"server pid {self.proc.pid} on {url}; log {self.log}", flush=True)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                return self._session(browser, url, ws_path)
            finally:
                browser.close()

    def _session(self, browser, url: str, ws_path: Path) -> dict:
        args = self.args
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(120_000)

        def on_ws(ws):
            def frame(payload):
                self.ws_bytes += len(payload)
                self.ws_frames += 1
            ws.on("framereceived", frame)

        page.on("websocket", on_ws)
        cdp = page.context.new_cdp_session(page)
        cdp.send("Performance.enable")
        t = time.monotonic()
        page.goto(url)
        page.locator(".bk-tab").first.wait_for()
        print(f"page loaded in {time.monotonic() - t:.1f} s", flush=True)

        page.set_input_files("input[type=file]", str(ws_path))
        page.get_by_text(f"opened {ws_path.name}").wait_for()
        page.locator(".bk-tab", has_text="Run").click()
        page.get_by_role("button", name="Build & compile").wait_for(state="visible")
        # let the tab change reach the server first: a click that arrives while
        # a widget change is still pending is run by Panel without the
        # document lock (see the README section)
        time.sleep(1.0)
        t = time.monotonic()
        page.get_by_role("button", name="Build & compile").click()
        page.get_by_text(re.compile(r"compiled in [\d.]+ s")).wait_for(timeout=300_000)
        compile_s = time.monotonic() - t
        status = page.get_by_text(re.compile(r"compiled in [\d.]+ s")).first.inner_text()
        print(f"built and compiled in {compile_s:.1f} s ({status.strip()})", flush=True)

        hooked = page.evaluate(HOOKS)
        if hooked != "ok":
            raise RuntimeError(f"could not find the page's models: {hooked}")
        run_btn = page.get_by_role("button", name="Run", exact=True)
        pause_btn = page.get_by_role("button", name="Pause")
        set_btn = page.get_by_role("button", name="Set", exact=True)
        # the parameter card: population exc, parameter noise
        selects = page.locator("select:visible")
        selects.nth(0).select_option("exc")
        selects.nth(1).select_option("noise")
        value_input = page.get_by_label("Value", exact=True)
        time.sleep(0.5)

        total = args.minutes * 60.0
        probe_every = args.probe_every or max(15.0, total / 4)
        t0 = time.monotonic()
        stop = threading.Event()
        sampler = self.sampler(t0, stop)
        runs = [0.0]
        try:
            self.sample_page(page, cdp, t0)
            self.probe(page, "run", run_btn)
            next_page, next_probe = args.sample_every, probe_every
            set_k = 0
            while True:
                now = time.monotonic() - t0
                if now >= total:
                    break
                if now >= next_page:
                    q = self.sample_page(page, cdp, t0)
                    s = self.samples[-1]
                    print(f"  t={q['t']:6.1f} s  server {s['server_rss']:7.1f} MB  renderer "
                          f"{s['renderer_rss']:7.1f} MB  JS heap {q['js_heap']:6.1f} MB  raster "
                          f"points {q['raster_points']:>7}  load {s['load1']:.1f}", flush=True)
                    next_page = now + args.sample_every
                if now >= next_probe and now < total - 5:
                    set_k += 1
                    token = f"{5.0 + set_k / 100:g}"
                    message = f"exc.noise = {token} (at the next chunk)"

                    def fill(token=token):
                        value_input.fill(token)
                        value_input.press("Enter")
                        time.sleep(0.3)
                    p = self.probe(page, "set", set_btn, message, before=fill)
                    q = self.probe(page, "pause", pause_btn)
                    time.sleep(0.3)
                    r = self.probe(page, "run", run_btn)
                    runs.append(time.monotonic() - t0)
                    print(f"  clicks at t={now:.0f} s: Set {p['click_ms']:.0f} ms, Pause "
                          f"{q['click_ms']:.0f} ms, Run {r['click_ms']:.0f} ms", flush=True)
                    next_probe = time.monotonic() - t0 + probe_every
                text = page.evaluate("() => window.__live.statusText()")
                if "finished at" in text:        # a very fast run ends: run again
                    self.notes.append(f"the run finished at t={now:.0f} s; Run clicked again")
                    run_btn.click()
                    runs.append(time.monotonic() - t0)
                time.sleep(0.5)
        finally:
            stop.set()
            sampler.join(30)
        self.sample_processes(t0)
        self.sample_page(page, cdp, t0)
        if args.screenshot:
            page.screenshot(path=args.screenshot, full_page=True)
        # Stop: how long the answer takes, and how far behind the run the page was
        loop_end = page.evaluate("() => performance.now()")
        shown = page.evaluate("() => { const c = window.__live.clock; "
                              "return c.length ? c[c.length - 1][1] : null; }")
        stop_probe = self.probe(page, "stop", page.get_by_role("button", name="Stop"),
                                timeout=STOP_TIMEOUT)
        log = page.evaluate("""() => { const W = window.__live; return {
            streams: W.streams, clock: W.clock, status: W.status, frames: W.frames,
            longtasks: W.longtasks, paint_after_stream: W.paint_after_stream, tags: W.tags,
            events: W.events, now: performance.now(), final: W.statusText()}; }""")
        m = re.search(r"stopped at t = ([\d,.e+]+) ms", log["final"])
        stopped_at = float(m.group(1).replace(",", "")) if m else float("nan")
        return {"compile_s": compile_s, "log": log, "runs": runs, "total": total,
                "loop_end_ms": loop_end,
                "stop": stop_probe, "shown_at_stop": shown, "stopped_at": stopped_at}


# -- analysis ------------------------------------------------------------------------------

def _segments(status: list, end_ms: float) -> list[tuple[float, float]]:
    """[start, end) of running segments, in page time, from the status texts."""
    segs, start = [], None
    for t, text in status:
        if "running to" in text:
            start = t if start is None else start
        elif start is not None:
            segs.append((start, t))
            start = None
    if start is not None:
        segs.append((start, end_ms))
    return segs


def analyse(res: dict, samples: list[dict], page_samples: list[dict], probes: list[dict],
            skip_s: float = 3.0) -> dict:
    log = res["log"]
    end = min(log["now"], res.get("loop_end_ms") or log["now"])    # the final Stop left out
    segs = [(a, min(b, end)) for a, b in _segments(log["status"], log["now"]) if a < end]
    entries = np.array(log["streams"], dtype=float).reshape(-1, 3)
    # a raster update: a stream into the raster's busiest source (with one
    # source per population, one server update streams into each)
    src = entries[:, 2].astype(int)
    busiest = np.bincount(src).argmax() if src.size else 0
    streams = entries[src == busiest, 0]
    per_second, points_in = [], 0.0
    running_s = 0.0
    for a, b in segs:
        a2 = a + skip_s * 1000
        n_bins = int((b - a2) // 1000)
        for k in range(n_bins):
            lo, hi = a2 + 1000 * k, a2 + 1000 * (k + 1)
            per_second.append(int(((streams >= lo) & (streams < hi)).sum()))
        running_s += max(0.0, (b - a)) / 1000
        sel = (entries[:, 0] >= a) & (entries[:, 0] < b)
        points_in += entries[sel, 1].sum()
    # real-time factor from the clock texts, within running segments
    sim, wall, server_speed = 0.0, 0.0, []
    clock = log["clock"]
    for (ta, sa, _), (tb, sb, vb) in zip(clock, clock[1:]):
        if sb <= sa:
            continue
        if any(a <= ta and tb <= b for a, b in segs):
            sim += sb - sa
            wall += tb - ta
            server_speed.append(vb)
    rtf = sim / wall if wall > 0 else float("nan")
    ups = np.array(per_second, dtype=float)
    out = {
        "rtf": rtf, "server_speed_median": statistics.median(server_speed) if server_speed
        else float("nan"),
        "sim_s": sim / 1000, "running_s": running_s,
        "updates_mean": float(ups.mean()) if ups.size else float("nan"),
        "updates_p10": float(np.percentile(ups, 10)) if ups.size else float("nan"),
        "updates_min": float(ups.min()) if ups.size else float("nan"),
        "bins": ups.size,
        "points_per_s": points_in / running_s if running_s else float("nan"),
        "raster_sources": int(src.max() + 1) if src.size else 0,
        "paint_after_stream_ms": float(np.median(log["paint_after_stream"]))
        if log["paint_after_stream"] else float("nan"),
        "fps": log["frames"] / (log["now"] / 1000) if log["now"] else float("nan"),
    }
    for kind in ("pause", "run", "set"):
        vals = [p["click_ms"] for p in probes if p["kind"] == kind and p is not probes[0]]
        paints = [p["paint_ms"] for p in probes if p["kind"] == kind and p is not probes[0]]
        out[f"{kind}_ms"] = vals
        out[f"{kind}_paint_ms"] = paints
    out["first_run_ms"] = probes[0]["click_ms"] if probes else float("nan")
    probes = [p for p in probes if p["kind"] != "stop"]
    out["unclickable"] = [p.get("error") for p in probes if p.get("error")]
    # CPU shares over the sampled window
    if len(samples) >= 2:
        a, b = samples[0], samples[-1]
        dt = b["t"] - a["t"]
        for key in ("server_main_cpu", "server_other_cpu", "renderer_cpu",
                    "chromium_other_cpu"):
            out[key + "_share"] = (b[key] - a[key]) / dt if dt > 0 else float("nan")
        out["load_median"] = statistics.median(s["load1"] for s in samples)
    if len(page_samples) >= 2:
        a, b = page_samples[0], page_samples[-1]
        dt = b["t"] - a["t"]
        for key in ("task_s", "script_s", "layout_s"):
            out[key + "_share"] = (b[key] - a[key]) / dt if dt > 0 else float("nan")
        out["ws_mb_per_s"] = (b["ws_bytes"] - a["ws_bytes"]) / dt / 2**20
        out["ws_frames_per_s"] = (b["ws_frames"] - a["ws_frames"]) / dt
        n_patch = b["patches"] - a["patches"]
        out["patches_per_s"] = n_patch / dt
        out["patch_ms_share"] = (b["patch_ms"] - a["patch_ms"]) / 1000 / dt
        lt = [d for s, d in log["longtasks"]]
        out["longtask_share"] = sum(lt) / 1000 / max(1e-9, log["now"] / 1000)
    return out


def slope_mb_per_min(samples: list[dict], key: str, skip_s: float = 0.0) -> float:
    pts = [(s["t"], s[key]) for s in samples if s["t"] >= skip_s and math.isfinite(s[key])]
    if len(pts) < 2:
        return float("nan")
    t, y = np.array(pts).T
    return float(np.polyfit(t / 60.0, y, 1)[0])


def fmt_ms(vals, limit: float = PROBE_TIMEOUT) -> str:
    late = sum(1 for v in vals if v == float("inf"))
    vals = [v for v in vals if math.isfinite(v)]
    tail = f"; {late} not answered within {limit:g} s" if late else ""
    if not vals:
        return ("none answered" + tail) if late else "n/a"
    if len(vals) == 1:
        return f"{vals[0]:.0f} ms{tail}"
    return f"median {statistics.median(vals):.0f} ms, max {max(vals):.0f} ms (n={len(vals)}){tail}"


def report(args, res: dict, a: dict, samples: list[dict], page_samples: list[dict],
           notes: list[str]) -> str:
    lines = []
    warm = min(60.0, 0.25 * res["total"])
    s_server = slope_mb_per_min(samples, "server_rss", warm)
    s_heap = slope_mb_per_min(page_samples, "js_heap", warm)
    s_rend = slope_mb_per_min(samples, "renderer_rss", warm)

    def met(ok):
        return "yes" if ok else "**no**"

    clicks = [v for k in ("pause", "run", "set") for v in a[f"{k}_ms"] if math.isfinite(v)]
    worst = max(clicks) if clicks else float("nan")
    flat = 5.0     # MB per minute counted as "flat"
    lines.append(f"{args.neurons} Izhikevich neurons, dt {args.dt:g} ms, "
                 f"{args.minutes:g} min of running asked ({a['running_s']:.0f} s running, the "
                 f"clicks' waits included; "
                 f"{a['sim_s']:.0f} s simulated); build + compile {res['compile_s']:.1f} s")
    lines.append("")
    lines.append("| measure | value | target | met? |")
    lines.append("|---|---|---|---|")
    lines.append(f"| real-time factor of the run (the server's figure, median) | "
                 f"{a['server_speed_median']:.2f}x | >= {TARGET_RTF:g}x | "
                 f"{met(a['server_speed_median'] >= TARGET_RTF)} |")
    lines.append(f"| simulated time the page shows per wall second | {a['rtf']:.2f}x | as above "
                 f"(else the page falls behind) | "
                 f"{met(a['rtf'] >= 0.9 * a['server_speed_median'])} |")
    lines.append(f"| raster updates received per second | mean {a['updates_mean']:.1f}, "
                 f"10th pct {a['updates_p10']:.0f}, min {a['updates_min']:.0f} "
                 f"({a['bins']} one-second bins) | >= {TARGET_UPDATES:g}/s | "
                 f"{met(a['updates_mean'] >= TARGET_UPDATES)} |")
    lines.append(f"| Pause click -> paused, Run enabled | {fmt_ms(a['pause_ms'])} | "
                 f"<= {TARGET_CLICK_MS:g} ms | "
                 f"{met(all(v <= TARGET_CLICK_MS for v in a['pause_ms']) and a['pause_ms'])} |")
    lines.append(f"| Run click -> running, Pause enabled | {fmt_ms(a['run_ms'])} | "
                 f"<= {TARGET_CLICK_MS:g} ms | "
                 f"{met(all(v <= TARGET_CLICK_MS for v in a['run_ms']) and a['run_ms'])} |")
    lines.append(f"| Set click -> its message | {fmt_ms(a['set_ms'])} | "
                 f"<= {TARGET_CLICK_MS:g} ms | "
                 f"{met(all(v <= TARGET_CLICK_MS for v in a['set_ms']) and a['set_ms'])} |")
    heap = f"{s_heap:+.2f} MB/min" if math.isfinite(s_heap) else \
        f"n/a ({len(page_samples)} page samples: the page was too busy to ask)"
    lines.append(f"| browser JS heap slope (after {warm:.0f} s) | {heap} | flat "
                 f"(<= {flat:g} MB/min) | {met(abs(s_heap) <= flat)} |")
    lines.append(f"| renderer RSS slope (after {warm:.0f} s) | {s_rend:+.2f} MB/min | flat | "
                 f"{met(abs(s_rend) <= flat)} |")
    lines.append(f"| server RSS slope (after {warm:.0f} s) | {s_server:+.2f} MB/min | flat | "
                 f"{met(abs(s_server) <= flat)} |")
    lines.append("")
    lines.append(f"Clicks including the next frame: Pause {fmt_ms(a['pause_paint_ms'])}; Run "
                 f"{fmt_ms(a['run_paint_ms'])}; Set {fmt_ms(a['set_paint_ms'])}; worst "
                 f"click {worst:.0f} ms; the first Run (nothing running yet) "
                 f"{fmt_ms([a['first_run_ms']])}.")
    st = res.get("stop") or {}
    if st:
        shown = res["shown_at_stop"] if res["shown_at_stop"] is not None else float("nan")
        behind = (f"the run stopped at t = {res['stopped_at']:,.0f} ms: the page was "
                  f"{(res['stopped_at'] - shown) / 1000:,.1f} s of simulated time behind"
                  if math.isfinite(res["stopped_at"]) else "where the run stopped never showed")
        lines.append(f"Stop at the end: answered in "
                     f"{fmt_ms([st.get('click_ms', float('nan'))], STOP_TIMEOUT)}; the page "
                     f"showed t = {shown:,.0f} ms when it was clicked; {behind}.")
    if a["unclickable"]:
        lines.append(f"Probes not made: {len(a['unclickable'])} ({a['unclickable'][0]})")
    lines.append(f"Raster: {a['points_per_s']:,.0f} points/s received into "
                 f"{a['raster_sources']} source(s); a stream reaches the next animation frame "
                 f"after {a['paint_after_stream_ms']:.0f} ms (median); page frames "
                 f"{a['fps']:.1f}/s.")
    if "server_main_cpu_share" in a and "task_s_share" in a:
        lines.append(
            f"CPU (cores, whole run; machine load average median {a['load_median']:.1f}): "
            f"server event loop {a['server_main_cpu_share']:.2f}, "
            f"server simulation threads {a['server_other_cpu_share']:.2f}, Chromium renderer "
            f"{a['renderer_cpu_share']:.2f}, other Chromium {a['chromium_other_cpu_share']:.2f}; "
            f"renderer main thread busy {a['task_s_share']:.2f} (script "
            f"{a['script_s_share']:.2f}, layout + style {a['layout_s_share']:.2f}; long tasks "
            f"{a['longtask_share']:.2f}; applying the server's messages "
            f"{a['patch_ms_share']:.2f}); websocket to the page {a['ws_mb_per_s']:.2f} MB/s in "
            f"{a['ws_frames_per_s']:.0f} frames/s ({a['patches_per_s']:.0f} messages/s).")
    lines.append("")
    lines.append(f"Memory samples (MB; {len(samples)} process samples, {len(page_samples)} "
                 "page samples; slopes by least squares):")
    lines.append("")
    lines.append("| when | t (s) | server RSS | renderer RSS | JS heap used | raster points "
                 "held | load avg |")
    lines.append("|---|---|---|---|---|---|---|")

    def near(rows, t):
        return min(rows, key=lambda r: abs(r["t"] - t))
    for name, s in (("start", samples[0]), ("middle", samples[len(samples) // 2]),
                    ("end", samples[-1])):
        q = near(page_samples, s["t"])
        lines.append(f"| {name} | {s['t']:.0f} | {s['server_rss']:.0f} | "
                     f"{s['renderer_rss']:.0f} | {q['js_heap']:.1f} (t={q['t']:.0f}) | "
                     f"{q['raster_points']} | {s['load1']:.1f} |")
    lines.append(f"| slope, whole run | | {slope_mb_per_min(samples, 'server_rss'):+.2f}/min | "
                 f"{slope_mb_per_min(samples, 'renderer_rss'):+.2f}/min | "
                 f"{slope_mb_per_min(page_samples, 'js_heap'):+.2f}/min | | |")
    lines.append(f"| slope after {warm:.0f} s | | {s_server:+.2f}/min | {s_rend:+.2f}/min | "
                 f"{s_heap:+.2f}/min | | |")
    for n in notes:
        lines.append(f"- {n}")
    return "\n".join(lines)


def code_state(source: str = "") -> str:
    """The commit measured, and the app/engine files changed since (others edit them)."""
    if source and Path(source).resolve() != ROOT:
        return f"the checkout in {source}"
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                              capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--short", "--", "workbench", "engine", "apps"],
                               cwd=ROOT, capture_output=True, text=True,
                               timeout=10).stdout.split("\n")
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    changed = [ln[3:] for ln in dirty if ln.strip()]
    return head + (f" + uncommitted changes to {', '.join(changed)}" if changed else "")


def server_errors(log_path: Path) -> list[str]:
    try:
        text = log_path.read_text(errors="replace")
    except OSError:
        return []
    out = []
    for block in text.split("Traceback (most recent call last):")[1:]:
        last = [ln for ln in block.strip().splitlines() if ln and not ln.startswith(" ")]
        out.append(last[-1] if last else block[:200])
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=1.0, help="running time measured")
    ap.add_argument("--neurons", type=int, default=1000)
    ap.add_argument("--dt", type=float, default=1.0, help="ms (Izhikevich 2003: 1 ms)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--sample-every", type=float, default=10.0, help="s between memory samples")
    ap.add_argument("--probe-every", type=float, default=0.0,
                    help="s between click probes (default: a quarter of the run, >= 15 s)")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--source", default="",
                    help="serve the app of another checkout (e.g. a `git archive` of a commit "
                         "or a patched copy); default this repository")
    ap.add_argument("--screenshot", default="", help="save a full-page PNG at the end")
    ap.add_argument("--json", default="", help="also write the raw figures here")
    ap.add_argument("--keep", action="store_true", help="keep the work folder (server log)")
    args = ap.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"no Chromium at {CHROMIUM} (apt-get install chromium)", file=sys.stderr)
        return 2

    workdir = Path(tempfile.mkdtemp(prefix="app_live-"))
    live = Live(args, workdir)
    # a Ctrl-C or a kill still stops the server (finally below)
    signal.signal(signal.SIGTERM, lambda *a: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        res = live.run()
        a = analyse(res, live.samples, live.page_samples, live.probes)
        print()
        print(f"code: {code_state(args.source)}; {os.cpu_count()} CPUs; "
              f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
        print(report(args, res, a, live.samples, live.page_samples, live.notes))
        errors = server_errors(live.log)
        if errors:
            print(f"\nThe server logged {len(errors)} traceback(s): " + "; ".join(errors[:5]))
        if args.json:
            Path(args.json).write_text(json.dumps(
                {"args": vars(args), "analysis": a, "samples": live.samples,
                 "page_samples": live.page_samples,
                 "probes": live.probes, "compile_s": res["compile_s"], "notes": live.notes,
                 "loop_end_ms": res["loop_end_ms"], "shown_at_stop": res["shown_at_stop"],
                 "stopped_at": res["stopped_at"],
                 "page_log": res["log"]}, indent=1, default=float))
        return 0
    finally:
        stop_process(live.proc)
        if args.keep:
            print(f"work folder kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
