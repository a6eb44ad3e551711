"""The live queue panel's logic: feed snapshots, sources, metrics, rules, Erlang C. No Textual here."""
