"""qbXML building and parsing: plain data in, bytes out, and back. Nothing here imports Django."""
