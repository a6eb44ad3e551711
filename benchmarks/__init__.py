"""dutydesk's benchmark suite: `python -m benchmarks` from the top of the checkout."""
