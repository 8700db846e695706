"""The persistent request queue: every request that may reach QuickBooks is a row before it is sent, and
its outcome is written in the same transaction as its item's new state (exactly once).

- `lifecycle`: the request's states, which may follow which, and the one writer of its status;
- `enqueue`: accepted items become requests;
- `batch`: requests become the next message;
- `answers`: QuickBooks' answers become synced or failed items;
- `sessions`: what a Web Connector session took, and what goes back when it ends or dies;
- `items`, `rows`: reading the items' snapshots and the queue's rows in bulk.
"""
