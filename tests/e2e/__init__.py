"""End-to-end tests: the installed dutydesk in a real terminal (tmux)."""
