"""The QuickBooks connector's pure core: qbXML building and parsing, the Web Connector's SOAP envelopes and
.qwc file, and a Web Connector played in Python. Plain data in, bytes out, and back. Nothing here imports
Django, so it tests in milliseconds and the simulator and the benchmarks run it without settings."""
