"""Daily collection cycle: the day's lock, paging through the work index, stage transitions, the summary."""
