"""``make demo``'s sync step: start the national warehouse simulator on loopback, send the demo's outbox to it
(``sohoa sync run``), compare (``sohoa sync reconcile``), and stop it. Exits non-zero when something was not
delivered."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sim = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "sync_simulator.py"), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        env = dict(os.environ, SOHOA_SYNC__URL=f"http://127.0.0.1:{port}")
        sohoa = [str(Path(sys.executable).with_name("sohoa"))]
        print(f"  kho quốc gia (mô phỏng) / national warehouse (simulator): http://127.0.0.1:{port}")
        sent = subprocess.run([*sohoa, "sync", "run"], env=env)
        checked = subprocess.run([*sohoa, "sync", "reconcile"], env=env)
        subprocess.run([*sohoa, "sync", "status"], env=env)
        return 0 if sent.returncode == 0 and checked.returncode == 0 else 1
    finally:
        sim.terminate()
        sim.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
