"""Dynamo backend: inventory ``dynamo`` (what Dynamo's MySQL database places at a site) and
reporter ``dynamo`` (queues deletions and transfers back into it).

Embedding in a Dynamo executable, with the connection it already holds::

    from consistency_core import load_config, run_site
    from consistency_dynamo import DynamoInventory, DynamoReporter

    site = load_config("consistency.toml").site("T2_XX_Site")
    result = run_site(site, inventory=DynamoInventory(site, connection=conn),
                      reporters={"dynamo": DynamoReporter(site, connection=conn)}, act=True)
"""
from .inventory import DynamoInventory
from .lfn import cms_dataset
from .reporter import DynamoReporter

__all__ = ["DynamoInventory", "DynamoReporter", "cms_dataset"]
