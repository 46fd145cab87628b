"""Demo data for Zhongyuan district (`flask demo load`).

``generate`` builds grids, staff and reports from a seed (pure, no
database); ``loader`` stores them through the project's import services;
``cli`` is the ``flask demo`` command group.
"""
