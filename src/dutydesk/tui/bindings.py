"""Key bindings whose descriptions follow the chosen language.

`BINDINGS` are class attributes, built at import time, before the language is chosen,
so their descriptions are written with `N_()`. Every screen and dialog is translated by
its base (`DeskScreen`, `Dialog` in screens/base.py); the app and widgets with keys of
their own call `translate_bindings(self)` in `__init__`: by then the language is set,
and the Footer and the key panel show `_()` of each description.
"""

from dataclasses import replace

from textual.binding import BindingsMap
from textual.dom import DOMNode

from dutydesk.i18n import _


def translated(bindings: BindingsMap) -> BindingsMap:
    keys = {
        key: [
            replace(binding, description=_(binding.description)) if binding.description else binding
            for binding in key_bindings
        ]
        for key, key_bindings in bindings.key_to_bindings.items()
    }
    return BindingsMap.from_keys(keys)


def translate_bindings(node: DOMNode) -> None:
    node._bindings = translated(node._bindings)
