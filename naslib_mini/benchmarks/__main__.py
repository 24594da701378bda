"""python -m naslib_mini.benchmarks build | pack | info (see benchmarks.build)."""
from .build import main

main()
