"""Key bindings whose descriptions follow the chosen language.

`BINDINGS` are class attributes, built at import time, before the language is chosen,
so their descriptions are written with `N_()`. Every screen and dialog is translated by
its base (`DeskScreen`, `Dialog` in screens/base.py); the app and widgets with keys of
their own call `translate_bindings(self)` in `__init__`: by then the language is set,
and the Footer and the key panel show `_()` of each description.
"""

from collections.abc import Callable
from dataclasses import replace

from textual.binding import Binding, BindingsMap
from textual.dom import DOMNode

from dutydesk.i18n import _


def each_changed(bindings: BindingsMap, change: Callable[[Binding], Binding]) -> BindingsMap:
    keys = {
        key: [change(binding) for binding in key_bindings] for key, key_bindings in bindings.key_to_bindings.items()
    }
    return BindingsMap.from_keys(keys)


def translated(bindings: BindingsMap) -> BindingsMap:
    return each_changed(
        bindings,
        lambda binding: replace(binding, description=_(binding.description)) if binding.description else binding,
    )


def translate_bindings(node: DOMNode) -> None:
    node._bindings = translated(node._bindings)


def with_group(bindings: BindingsMap, id_prefix: str, group: Binding.Group | None) -> BindingsMap:
    """The bindings whose id starts with `id_prefix` put in `group` (None: each shown on its own)."""
    return each_changed(
        bindings, lambda binding: replace(binding, group=group) if (binding.id or "").startswith(id_prefix) else binding
    )
