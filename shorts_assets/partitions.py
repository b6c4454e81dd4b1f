"""Dynamic partitions: one per content item (the sheet sensor adds them), and one per live
post (an item published and not retracted; the analytics schedule keeps them in step), so one
analytics run can target every live post as a single contiguous range."""

from dagster import DynamicPartitionsDefinition

content_items = DynamicPartitionsDefinition(name="content_item")
live_posts = DynamicPartitionsDefinition(name="live_post")
