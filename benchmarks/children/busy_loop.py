"""Keeps one core busy until killed: the 'beside a busy loop' competitor of the latency section."""

while True:
    pass
