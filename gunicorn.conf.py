"""gunicorn settings for Toolforge (the Procfile's `web:` line uses this file).

Workers: $WEB_CONCURRENCY (gunicorn reads it itself), default 2. Toolforge's front proxy
sets X-Forwarded-For/-Proto; we trust it, and nothing logs client addresses anyway.
"""

import os
import shutil
import tempfile

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "uvicorn_worker.UvicornWorker"
pythonpath = "src"  # the buildpack installs requirements.txt, not the package itself
forwarded_allow_ips = "*"
accesslog = None  # access lines carry client addresses; the app logs its own line
graceful_timeout = 20
timeout = 60


def on_starting(server):
    """Our log format for the master too, and Prometheus multi-process mode: every worker
    writes its metrics into one folder, wiped at start so old figures do not linger."""
    from outreach_helper.logs import configure_logging

    configure_logging(os.environ.get("LOG_LEVEL", "INFO"))
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or os.path.join(
        tempfile.gettempdir(), f"outreach-helper-metrics-{os.getpid()}"
    )
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
