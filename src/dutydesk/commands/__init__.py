"""The CLI command groups, one module each, registered in dutydesk.cli."""
