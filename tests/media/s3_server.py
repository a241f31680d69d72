"""A local S3-compatible server for the S3 leg of the media tests and for bench/several_hosts.py:
moto in server mode, over HTTP, in its own process (so its memory is not the app's: the
multipart test measures the app's alone). What moto does not emulate: docs/deploy-media.md."""
from contextlib import contextmanager
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid

ACCESS_KEY = "testing"
SECRET_KEY = "testing"
REGION = "us-east-1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def moto_server(port: int | None = None):
    """Start `moto_server` on a free loopback port; yield its endpoint URL; stop it."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY)
    process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1",
                                "-p", str(port)], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/moto-api/", timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto server did not start on {url}")
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def s3_settings(endpoint_url: str, bucket: str) -> dict:
    """The app's settings for `bucket` on the server at `endpoint_url`."""
    return {"MEDIA_STORAGE": "s3", "S3_ENDPOINT_URL": endpoint_url, "S3_BUCKET": bucket,
            "S3_ACCESS_KEY_ID": ACCESS_KEY, "S3_SECRET_ACCESS_KEY": SECRET_KEY,
            "S3_REGION": REGION, "S3_ADDRESSING_STYLE": "path"}


def client_for(endpoint_url: str):
    from app.media.s3 import make_client
    return make_client(endpoint_url, ACCESS_KEY, SECRET_KEY, REGION, "path")


@contextmanager
def fresh_bucket(endpoint_url: str):
    """A new empty bucket, emptied and removed afterwards (moto keeps objects in memory)."""
    client = client_for(endpoint_url)
    bucket = f"media-{uuid.uuid4().hex[:16]}"
    client.create_bucket(Bucket=bucket)
    try:
        yield bucket
    finally:
        paginator = client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=bucket):
            keys = [{"Key": item["Key"]} for item in page.get("Contents", ())]
            if keys:
                client.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
        client.delete_bucket(Bucket=bucket)
