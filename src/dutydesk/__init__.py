"""dutydesk: the duty supervisor's console for a customer-service call center."""

__version__ = "0.1.0"
