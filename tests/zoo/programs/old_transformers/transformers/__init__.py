"""Stands for a transformers release that predates the zoo's architectures
(tests/zoo's zoo.transformers_lacks_architecture puts this folder first on
PYTHONPATH): the driver must say, in one line, which architecture the
installed transformers lacks and what to do, and exit 2."""
__version__ = "4.0.0"
