"""The tools' implementations, one module per tool, each with an ``answer`` coroutine that takes the
tool's validated arguments.

A tool's registered module (``tools.<tool>``) holds only its signature and description, read at
start-up; its body imports ``_impl.<tool>`` (the one deferred import), so the core loads on the
first call. The implementations import the core and the helper modules at the top.
"""
