"""One dynamic partition per content item; the sheet sensor adds them."""

from dagster import DynamicPartitionsDefinition

content_items = DynamicPartitionsDefinition(name="content_item")
