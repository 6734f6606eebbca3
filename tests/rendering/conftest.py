import pytest

from tests.rendering.fake_youtube import FakeYouTube


@pytest.fixture
def fake_youtube():
    server = FakeYouTube().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def s3_server():
    """A real S3-protocol server (moto in server mode) on a free local port."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(s3_server):
    """A client and a fresh bucket on the local S3 server."""
    import uuid

    from rendering.archive import s3_client

    client = s3_client(endpoint_url=s3_server, region_name="us-east-1", access_key="test", secret_key="test")
    bucket = f"archive-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket)
    return client, bucket
