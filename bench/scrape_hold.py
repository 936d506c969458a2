#!/usr/bin/env python3
"""Accept latency of webhooks while /metrics is scraped back to back, or not. By hand, against a running proxy:

    python3 bench/scrape_hold.py PORT SECONDS SCRAPE

posts one Opsgenie Create (a new alert each) every 4 ms on one keep-alive connection for SECONDS, and with
SCRAPE=1 another thread GETs /metrics back to back, a new connection each; prints how many Creates were
answered, their p50 / p99 / max latency, and how many scrapes there were and their mean time. Every answer
must be a 202. BENCHMARKS.md, "Reads beside the journal", used it on a dry-run proxy whose store held a backlog.
"""
import http.client
import json
import sys
import threading
import time
import uuid

port, seconds, scrape = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3] == "1"
stop = time.time() + seconds
scrapes = []


def scraper():
    while time.time() < stop:
        conn = http.client.HTTPConnection("127.0.0.1", port)
        started = time.perf_counter()
        conn.request("GET", "/metrics")
        conn.getresponse().read()
        scrapes.append(time.perf_counter() - started)
        conn.close()


if scrape:
    threading.Thread(target=scraper, daemon=True).start()
conn = http.client.HTTPConnection("127.0.0.1", port)
latencies = []
while time.time() < stop:
    alert = str(uuid.uuid4())
    body = json.dumps({"action": "Create", "integrationId": "x",
                       "alert": {"alertId": alert, "message": "m", "alias": alert, "updatedAt": time.time_ns()}})
    started = time.perf_counter()
    conn.request("POST", "/ops-webhook", body, {"Content-Type": "application/json"})
    answer = conn.getresponse()
    answer.read()
    latencies.append(time.perf_counter() - started)
    if answer.status != 202:
        sys.exit(f"answered {answer.status}, not 202")
    time.sleep(0.004)
latencies.sort()


def at(q):
    return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1e3


mean = 1e3 * sum(scrapes) / max(1, len(scrapes))
print(f"posts {len(latencies)} p50 {at(0.5):.2f} p99 {at(0.99):.2f} max {latencies[-1] * 1e3:.2f} ms;"
      f" scrapes {len(scrapes)} mean {mean:.1f} ms")
