"""The citizen's page on a slow phone: today's code against the commit before issue 17.

Both trees are served side by side by gunicorn with their own production
settings (bench/page_settings.py: `sukma.settings.production`, static files
collected as the deployment collects them), against one scratch database
with a regency and a counter. So each side goes out with the compression its
deployment used: the base sent its HTML uncompressed (no gzip in the app, and
nginx does not compress proxied responses), today's app compresses pages
(GZipMiddleware) and whitenoise sends the compressed copies collectstatic makes.

Debian's Chromium (Playwright, /usr/bin/chromium) opens /s/<code>/ at 360x740
with a cold cache, through DevTools' Slow 3G profile (2 s round trip,
400 kbps down and up) and the CPU slowed 4x. Per side, the median of the
runs (alternating sides):

  bytes      every response's bytes over the wire (headers and body, as received)
  requests   how many, and any that returned 404
  interactive  from navigation start until the form can be used: painted, its send
             button laid out with the page's styles (the form needs no script);
             DOMContentLoaded, first paint and load are printed beside it

Targets for today's page: at most 14 KB, no 404, interactive in under 3 s.

    python bench/page.py [--runs 3] [--base a20df43]
"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from _scratch import ROOT, scratch_database

BENCH_DIR = ROOT / "bench"
CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 360, "height": 740}
SLOW_3G = {  # DevTools' preset: 2 s round trip, 400 kbps each way (bytes per second here)
    "offline": False,
    "latency": 2000,
    "downloadThroughput": 400_000 / 8,
    "uploadThroughput": 400_000 / 8,
}
CPU_SLOWDOWN = 4
BUDGET_BYTES = 14 * 1024
BUDGET_SECONDS = 3.0
# Recorded from the page's first instant: when the send button is laid out with the page's
# own styles (its 44+ px height comes from survey.css), that is, when a thumb can use the form.
# The form needs no script (it posts as plain HTML), so that moment, once painted, is when
# the citizen can answer; DOMContentLoaded (all deferred scripts run) is printed beside it.
WATCH_FORM = """(() => {
  const look = () => {
    const send = document.querySelector('#survey button[type=submit]');
    if (send && !send.disabled && send.getBoundingClientRect().height >= 44) {
      window.__formUsable = performance.now();
      return true;
    }
    return false;
  };
  const timer = setInterval(() => { if (look()) clearInterval(timer); }, 10);
})();"""
TIMING = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const paint = performance.getEntriesByName('first-contentful-paint')[0];
  return {dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd,
          fcp: paint ? paint.startTime : 0, usable: window.__formUsable};
}"""
WORKER_READY = """() => !('serviceWorker' in navigator) ? false : Promise.race([
  navigator.serviceWorker.ready.then(() => true),
  new Promise(done => setTimeout(() => done(false), 30000))])"""
# What a phone's browser asks for after the page even in the background: the icon
# (/favicon.ico when the page names none; headless Chromium skips it, so it is asked here).
ICON = """() => {
  const link = document.querySelector('link[rel~=icon]');
  const href = link ? link.href : '/favicon.ico';
  if (href.startsWith('data:')) return null;
  return fetch(href, {cache: 'no-store'}).then(r => r.arrayBuffer().then(() => r.status));
}"""


# ------------------------------------------------------------------------------ the two trees
def base_tree(commit: str, into: Path) -> Path:
    """The base commit's files (git archive: the repository's worktrees are left alone)."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", commit], cwd=ROOT, check=True, capture_output=True
    )
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def tree_env(tree: Path, static: Path) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "page_settings",
        "PYTHONPATH": os.pathsep.join([str(BENCH_DIR), str(tree)]),
        "SUKMA_PAGE_BENCH_STATIC": str(static),
        "SECRET_KEY": os.environ.get("SECRET_KEY", "page-bench-only-not-a-secret"),
        "BASE_DOMAIN": "localhost",
        "DEBUG": "0",
    }


def collect_static(tree: Path, static: Path) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=tree,
        env=tree_env(tree, static),
        check=True,
    )


def serve(tree: Path, static: Path, port: int) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "sukma.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "--threads",
        "4",
        "--log-level",
        "warning",
    ]
    return subprocess.Popen(command, cwd=tree, env=tree_env(tree, static), start_new_session=True)


def wait_ready(url: str, host: str, process: subprocess.Popen, seconds: float = 60) -> None:
    """Until the page answers 200 (asked of 127.0.0.1, with the regency's Host header)."""
    deadline = time.monotonic() + seconds
    request = urllib.request.Request(url.replace(host, "127.0.0.1"), headers={"Host": host})
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}")
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within a minute")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# ------------------------------------------------------------------------------ one load
def first_load(browser, url: str) -> dict:
    """One cold load on the slow phone: bytes, requests, 404s, timings in seconds."""
    context = browser.new_context(viewport=PHONE, locale="id-ID", is_mobile=True, has_touch=True)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    seen: dict[str, dict] = {}

    def response(event):
        r = event["response"]
        seen.setdefault(event["requestId"], {}).update(url=r["url"], status=r["status"])

    def finished(event):
        seen.setdefault(event["requestId"], {})["bytes"] = event["encodedDataLength"]

    cdp.on("Network.responseReceived", response)
    cdp.on("Network.loadingFinished", finished)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    page.add_init_script(WATCH_FORM)
    everything = []  # the context's requests, those of the service worker too
    context.on("requestfinished", lambda request: everything.append(request))
    try:
        page.goto(url, wait_until="load", timeout=120_000)
        page.wait_for_function("() => window.__formUsable !== undefined", timeout=120_000)
        page.evaluate(ICON)
        page.wait_for_load_state("networkidle", timeout=120_000)
        timing = page.evaluate(TIMING)
        background = worker_downloads(page, everything)
    finally:
        context.close()
    requests = [r for r in seen.values() if r.get("url", "").startswith("http")]
    return {
        "bytes": sum(r.get("bytes", 0) for r in requests),
        "requests": len(requests),
        "missing": sorted({r["url"] for r in requests if r["status"] == 404}),
        "interactive": max(timing["usable"], timing["fcp"]) / 1000,
        "dcl": timing["dcl"] / 1000,
        "fcp": timing["fcp"] / 1000,
        "load": timing["load"] / 1000,
        "by_url": {r["url"]: (r["status"], r.get("bytes", 0)) for r in requests},
        "background": background,
    }


def worker_downloads(page, everything: list) -> list[tuple[str, int]]:
    """What the service worker fetched once the page had loaded (it registers a second
    after load, then keeps the form's files): not in the first load, but paid for."""
    page.evaluate(WORKER_READY)
    page.wait_for_timeout(500)
    fetched = []
    for request in everything:
        if request.service_worker is None:
            continue
        sizes = request.sizes()
        fetched.append((request.url, sizes["responseBodySize"] + sizes["responseHeadersSize"]))
    return fetched


def median_of(loads: list[dict]) -> dict:
    timed = ("bytes", "interactive", "dcl", "fcp", "load")
    middle = {k: statistics.median(x[k] for x in loads) for k in timed}
    middle["requests"] = max(x["requests"] for x in loads)
    middle["missing"] = sorted({u for x in loads for u in x["missing"]})
    middle["by_url"] = loads[-1]["by_url"]
    middle["background"] = loads[-1]["background"]
    return middle


def report(name: str, m: dict) -> None:
    print(
        f"{name:<9} {m['bytes'] / 1024:7.1f} KB  {m['requests']:2d} requests  "
        f"interactive {m['interactive']:5.2f} s  (first paint {m['fcp']:.2f} s, "
        f"DOMContentLoaded {m['dcl']:.2f} s, load {m['load']:.2f} s)  "
        f"404: {', '.join(m['missing']) or 'none'}"
    )
    for url, (status, size) in m["by_url"].items():
        print(f"            {status} {size / 1024:6.1f} KB  {url.split('/', 3)[-1]}")
    if m["background"]:
        total = sum(size for _url, size in m["background"]) / 1024
        print(f"          then, once loaded, the service worker: {total:.1f} KB")
        for url, size in m["background"]:
            print(f"                {size / 1024:6.1f} KB  {url.split('/', 3)[-1]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="cold loads per side")
    parser.add_argument("--base", default="a20df43", help="the commit to compare with")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with (
        scratch_database("sukma_page_bench"),
        tempfile.TemporaryDirectory(prefix="sukma-page-") as scratch,
    ):
        from django.db import connections
        from submit import free_port, regency_with_point

        _regency, code, host = regency_with_point()
        connections.close_all()
        scratch = Path(scratch)
        (scratch / "base").mkdir()
        trees = {"today": ROOT, "base": base_tree(args.base, scratch / "base")}
        servers, urls = {}, {}
        try:
            for side, tree in trees.items():
                static = scratch / f"static-{side}"
                collect_static(tree, static)
                port = free_port()
                servers[side] = serve(tree, static, port)
                urls[side] = f"http://{host}:{port}/s/{code}/"
            for side, url in urls.items():
                wait_ready(url, host, servers[side])
            loads = {side: [] for side in trees}
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
                )
                for url in urls.values():
                    first_load(browser, url)  # warm the server (its first request), untimed
                for _run in range(args.runs):
                    for side, url in urls.items():
                        loads[side].append(first_load(browser, url))
                browser.close()
        finally:
            for process in servers.values():
                stop(process)

    today, base = median_of(loads["today"]), median_of(loads["base"])
    print(
        f"\nthe citizen's page /s/<code>/, 360x740, Slow 3G (2 s round trip, 400 kbps), "
        f"CPU {CPU_SLOWDOWN}x slower; median of {args.runs} cold loads per side"
    )
    report("today", today)
    report(f"base {args.base}", base)
    print(
        f"ratio today/base: bytes {today['bytes'] / base['bytes']:.2f}, "
        f"requests {today['requests'] / base['requests']:.2f}, "
        f"interactive {today['interactive'] / base['interactive']:.2f}"
    )
    met = (
        today["bytes"] <= BUDGET_BYTES
        and not today["missing"]
        and today["interactive"] < BUDGET_SECONDS
    )
    print(
        f"target <= 14 KB, no 404, interactive < 3 s: {'met' if met else 'NOT MET'} "
        f"({today['bytes'] / 1024:.1f} KB, {len(today['missing'])} 404, "
        f"{today['interactive']:.2f} s)"
    )


if __name__ == "__main__":
    main()
