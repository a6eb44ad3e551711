"""Notices away from the console: chat group bots, e-mail, SMS gateways, webhooks.

`notices` reads events from what is stored, `outbox` stores each notice before it is
sent, `sender` sends them (one sender per team, by lease) and `channels` is the only
module that talks to the outside world, through apprise. No Textual here: the console
and `dutydesk notify run` drive the same `Notifier`.
"""
