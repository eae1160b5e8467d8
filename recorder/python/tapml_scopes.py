"""Module paths for the TapML interposer.

Global nn.Module forward hooks tell the interposer which module every
operator call ran in, e.g. ``model.layers.3.mlp``: the path comes from
``named_modules()`` of the outermost module called (whose own calls are named
by its class). The model's code is not touched.
"""
import ctypes
import threading
import weakref

_local = threading.local()
_tables = weakref.WeakKeyDictionary()  # outermost module -> {id(submodule): path}


def _paths_of(root):
    table = _tables.get(root)
    if table is None:
        table = {
            id(module): (name or type(root).__name__).encode()
            for name, module in root.named_modules(remove_duplicate=False)
        }
        _tables[root] = table
    return table


def install(lib):
    """Registers the hooks; returns their handles (call .remove() on each to undo)."""
    import torch

    push = lib.tapml_push_scope
    push.argtypes = [ctypes.c_char_p]
    push.restype = None
    pop = lib.tapml_pop_scope
    pop.argtypes = []
    pop.restype = None

    def before(module, args):
        stack = getattr(_local, "stack", None)
        if stack is None:
            stack = _local.stack = []
        if stack:
            _, table, outer = stack[-1]
            path = table.get(id(module))
            if path is None:  # made after the outermost module was first called
                path = outer + b"." + type(module).__name__.encode()
        else:
            table = _paths_of(module)
            path = table[id(module)]
        stack.append((module, table, path))
        push(path)

    def after(module, args, output):
        stack = getattr(_local, "stack", None)
        if stack and stack[-1][0] is module:
            stack.pop()
            pop()

    hooks = torch.nn.modules.module
    return [
        hooks.register_module_forward_pre_hook(before),
        hooks.register_module_forward_hook(after, always_call=True),
    ]
